/**
 * `/healthz`: liveness (the process answers) plus readiness (every configured worker is alive).
 * Answers 503 while a dead worker is being replaced, so a load balancer can steer new joins away.
 */
import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    const live = app.media.slots.filter((slot) => !slot.worker.died && !slot.worker.closed).length;
    const ready = live === app.config.workers;
    let peers = 0;
    for (const room of app.rooms.rooms.values()) peers += room.peers.size;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ok' : 'degraded',
      workers: { configured: app.config.workers, alive: live },
      rooms: app.rooms.rooms.size,
      peers,
    });
  });
}
