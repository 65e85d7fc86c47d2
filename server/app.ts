/**
 * `buildApp(options)` assembles the Fastify app without listening, so tests can start it on an
 * ephemeral port and production (`main.ts`) decides where it listens.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig, type Config } from './config.js';
import { clientRoutes } from './http/client.js';
import { healthRoutes } from './http/health.js';
import { mediaPlugin } from './media/plugin.js';
import { signalingPlugin, type SignalingPluginOptions } from './signaling/plugin.js';

export interface BuildAppOptions {
  /** Overrides on top of the environment's configuration. */
  config?: Partial<Config>;
  signaling?: SignalingPluginOptions;
}

export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config: Config = { ...loadConfig(), ...options.config };
  const app = Fastify({
    logger: { level: config.logLevel },
    // Signaling runs over WebSocket; HTTP bodies are small API calls.
    bodyLimit: 64 * 1024,
    trustProxy: true,
  });
  app.decorate('config', config);
  await app.register(mediaPlugin);
  await app.register(signalingPlugin, options.signaling ?? {});
  await app.register(healthRoutes);
  await app.register(clientRoutes);
  return app;
}
