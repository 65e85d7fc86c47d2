/**
 * Graceful shutdown (SIGTERM from Docker, systemd or Ctrl-C): stop accepting joins (and report
 * `draining` on /healthz), tell every client with close code 4004 SHUTDOWN, close the HTTP server and
 * the mediasoup workers, and exit. A shutdown that hangs is cut off after `timeoutMs` (default 10 s,
 * inside Docker's default stop timeout) with exit code 1.
 *
 * In a cluster with another live node, the node drains instead (server/cluster/cluster.ts `drain`):
 * clients get 4009 MOVING and resume on the other nodes, nobody leaves the call.
 */
import type { FastifyInstance } from 'fastify';
import { CLOSE_CODES } from '../../protocol/errors.js';

export const SHUTDOWN_MESSAGE = 'server is shutting down';
export const MOVING_MESSAGE = 'this node is shutting down; the call moves to another node';

/** Drains and closes the app; resolves when everything is closed. */
export async function shutDown(app: FastifyInstance): Promise<void> {
  app.rooms.stopAccepting();
  const moving = (await app.cluster?.drain().catch((error: unknown) => {
    app.log.warn({ err: error }, 'cannot drain to the other nodes; ending the calls here');
    return false;
  })) ?? false;
  app.rooms.closeAll(moving ? { code: CLOSE_CODES.MOVING, message: MOVING_MESSAGE } : { code: CLOSE_CODES.SHUTDOWN, message: SHUTDOWN_MESSAGE });
  // Then Fastify's close: sockets not in a room get 4004 from the signaling plugin's preClose, the
  // listener closes, and the media plugin's onClose closes the workers and waits for them to exit.
  await app.close();
}

/** Shuts down on the first SIGINT or SIGTERM, then exits the process. */
export function exitOnSignals(app: FastifyInstance, options: { timeoutMs?: number } = {}): void {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      const started = Date.now();
      let peers = 0;
      for (const room of app.rooms.rooms.values()) peers += room.peers.size;
      app.log.info({ signal, rooms: app.rooms.rooms.size, peers }, `${signal}: shutting down`);
      const forceExit = setTimeout(() => {
        app.log.error({ timeoutMs }, 'shutdown took too long; exiting anyway');
        process.exit(1);
      }, timeoutMs);
      forceExit.unref();
      shutDown(app).then(
        () => {
          app.log.info({ ms: Date.now() - started }, 'shut down cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
