/**
 * Starts a real Shouwang server (Fastify + one mediasoup worker) on ephemeral ports of 127.0.0.1, for
 * integration and end-to-end tests. Call `close()` from `t.teardown`: it closes the HTTP server, the
 * sockets and the mediasoup worker.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../server/app.js';
import type { Config } from '../../server/config.js';

export interface TestServer {
  app: FastifyInstance;
  /** e.g. `http://127.0.0.1:41234` (or the address it was told to listen on) */
  url: string;
  /** The signaling WebSocket, e.g. `ws://127.0.0.1:41234/ws` */
  wsUrl: string;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Loopback only, any free ports, one worker, quiet logs: what every test wants unless it says otherwise. */
export const TEST_CONFIG: Partial<Config> = {
  port: 0,
  host: '127.0.0.1',
  rtcPort: 0,
  announcedIp: '127.0.0.1',
  workers: 1,
  logLevel: 'warn',
};

/** Set by `setServerDefaults`: under every later `startServer()` call's own overrides. */
let processDefaults: Partial<Config> = {};

/**
 * Overrides that every later `startServer()` in this process takes (its own overrides still win): for
 * benchmarks whose helpers start servers themselves, e.g. on a test network (helpers/network-call.ts).
 */
export function setServerDefaults(overrides: Partial<Config>): void {
  processDefaults = { ...overrides };
}

/** `signaling`: e.g. short heartbeat periods or other rate limits for a test. */
export async function startServer(overrides: Partial<Config> = {}, options: Omit<BuildAppOptions, 'config'> = {}): Promise<TestServer> {
  const config = { ...TEST_CONFIG, ...processDefaults, ...overrides };
  const app = await buildApp({ ...options, config });
  try {
    await app.listen({ port: config.port ?? 0, host: config.host ?? '127.0.0.1' });
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  // The address it listens on (e.g. a test network's), or loopback when it listens on every address.
  const listening = !config.host || config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const host = listening.includes(':') ? `[${listening}]` : listening;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/ws`,
    close: () => (closing ??= app.close().then(() => undefined)),
  };
}
