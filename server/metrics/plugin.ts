/**
 * `GET /metrics` in Prometheus' text format (prom-client): the media gauges (media-metrics.ts), the
 * signaling counters and join latency (signaling-metrics.ts), and Node's own process metrics. One
 * registry per app, so several apps in one process (tests) never mix their numbers.
 *
 * No room names, identities or addresses appear in any label: the endpoint can be scraped without the
 * API key. Block it at the reverse proxy if it must not be public.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerMediaMetrics } from './media-metrics.js';
import { SignalingMetrics } from './signaling-metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry; signaling: SignalingMetrics };
  }
}

export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'shouwang_' });
    registerMediaMetrics(registry, app.media, app.rooms);
    const signaling = new SignalingMetrics(registry);
    app.decorate('metrics', { registry, signaling });

    app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
      const body = await registry.metrics();
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(body);
    });
  },
  { name: 'shouwang-metrics', dependencies: ['shouwang-media'] },
);
