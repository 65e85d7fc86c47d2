/** What the mediasoup workers of an app still hold: used to prove that nothing leaks. */
import type { FastifyInstance } from 'fastify';

export async function workerInventory(app: FastifyInstance): Promise<{ routers: number; transports: number }> {
  let routers = 0;
  let transports = 0;
  for (const slot of app.media.slots) {
    const dump = (await slot.worker.dump()) as { routerIds: string[] };
    routers += dump.routerIds.length;
    const server = (await slot.webRtcServer.dump()) as { webRtcTransportIds?: string[] };
    transports += server.webRtcTransportIds?.length ?? 0;
  }
  return { routers, transports };
}
