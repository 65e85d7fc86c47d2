/**
 * Health for load balancers, orchestrators and compose:
 * - `GET /healthz`: readiness. 200 when every configured worker is alive and the server accepts joins;
 *   503 while a dead worker is being replaced (`degraded`) or once shutdown has begun (`draining`), so
 *   new joins are steered elsewhere.
 * - `GET /healthz/live`: liveness. 200 whenever the process answers at all.
 */
import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  // Probes poll these every few seconds: not worth a log line each.
  app.get('/healthz', { logLevel: 'warn' }, async (_request, reply) => {
    const live = app.media.slots.filter((slot) => !slot.worker.died && !slot.worker.closed).length;
    const draining = !app.rooms.accepting;
    const status = draining ? 'draining' : live === app.config.workers ? 'ok' : 'degraded';
    let peers = 0;
    for (const room of app.rooms.rooms.values()) peers += room.peers.size;
    return reply.code(status === 'ok' ? 200 : 503).header('cache-control', 'no-store').send({
      status,
      workers: { configured: app.config.workers, alive: live },
      rooms: app.rooms.rooms.size,
      peers,
      ...(app.cluster ? { cluster: app.cluster.status() } : {}),
    });
  });

  app.get('/healthz/live', { logLevel: 'warn' }, async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
}
