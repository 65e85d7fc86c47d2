/**
 * Decorates the app with `app.cluster` when REDIS_URL is set. The node joins the cluster once it
 * listens (its URL needs the real port) and leaves it on close, so the others need not wait for its
 * heartbeat to expire.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Cluster } from './cluster.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set only in a cluster (REDIS_URL). */
    cluster?: Cluster;
  }
}

export const clusterPlugin = fp(
  async (app: FastifyInstance) => {
    const config = app.config.cluster;
    if (!config) return;
    app.decorate('cluster', undefined);
    app.addHook('onListen', async () => {
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : app.config.port;
      const scheme = app.config.tls ? 'wss' : 'ws';
      const host = app.config.announcedIp.includes(':') ? `[${app.config.announcedIp}]` : app.config.announcedIp;
      app.cluster = await Cluster.start({
        config,
        nodeUrl: config.nodeUrl ?? `${scheme}://${host}:${port}/ws`,
        rooms: app.rooms,
        pool: app.media,
        rtcListenIp: app.config.rtcListenIp,
        resumeGraceMs: app.config.resumeGraceMs,
        logger: app.log.child({ component: 'cluster' }),
      });
    });
    app.addHook('onClose', async () => {
      await app.cluster?.close();
    });
  },
  { name: 'shouwang-cluster', dependencies: ['shouwang-media'] },
);
