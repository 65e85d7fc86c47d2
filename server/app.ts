/**
 * `buildApp(options)` assembles the Fastify app without listening, so tests can start it on an
 * ephemeral port and production (`main.ts`) decides where it listens.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { apiRoutes } from './api/plugin.js';
import { loadConfig, type Config } from './config.js';
import { clusterPlugin } from './cluster/plugin.js';
import { clientRoutes } from './http/client.js';
import { healthRoutes } from './http/health.js';
import { readTlsFiles } from './http/tls.js';
import { mediaPlugin } from './media/plugin.js';
import { metricsPlugin } from './metrics/plugin.js';
import { signalingPlugin, type SignalingPluginOptions } from './signaling/plugin.js';

export interface BuildAppOptions {
  /** Overrides on top of the environment's configuration. */
  config?: Partial<Config>;
  signaling?: SignalingPluginOptions;
}

export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config: Config = { ...loadConfig(), ...options.config };
  // Fastify types an HTTPS instance apart from an HTTP one; everything here uses only what both share.
  const app = Fastify({
    ...(config.tls ? { https: readTlsFiles(config.tls) } : {}),
    logger: { level: config.logLevel },
    // Signaling runs over WebSocket; HTTP bodies are small API calls.
    bodyLimit: 64 * 1024,
    // Only proxies we trust may say who the client is: per-address limits must not be spoofable.
    trustProxy: config.trustProxy,
  }) as unknown as FastifyInstance;
  app.decorate('config', config);
  await app.register(mediaPlugin);
  // Only with REDIS_URL; before signaling, whose sessions ask it where rooms live.
  if (config.cluster) await app.register(clusterPlugin);
  // Before signaling: sessions report to its request observer.
  await app.register(metricsPlugin);
  await app.register(signalingPlugin, options.signaling ?? {});
  await app.register(healthRoutes);
  await app.register(apiRoutes, { prefix: '/api' });
  await app.register(clientRoutes);
  return app;
}
