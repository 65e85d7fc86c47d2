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

export interface MediaInventory {
  routers: number;
  /** WebRTC transports on the workers' WebRtcServers (clients' transports). */
  webRtcTransports: number;
  /** Every transport of the rooms' routers, including the server's own (e.g. a chat DirectTransport). */
  transports: number;
  producers: number;
  consumers: number;
  dataProducers: number;
  dataConsumers: number;
}

/**
 * Everything the workers hold, counted by the workers themselves: routers and WebRTC transports per
 * worker, and inside each room's router its transports, producers and consumers. A router that no room
 * references any more still shows in `routers`.
 */
export async function mediaInventory(app: FastifyInstance): Promise<MediaInventory> {
  const { routers, transports: webRtcTransports } = await workerInventory(app);
  const inventory: MediaInventory = { routers, webRtcTransports, transports: 0, producers: 0, consumers: 0, dataProducers: 0, dataConsumers: 0 };
  for (const room of app.rooms.rooms.values()) {
    if (room.router.closed) continue;
    const dump = (await room.router.dump()) as {
      transportIds: string[];
      mapProducerIdConsumerIds: Record<string, unknown>;
      mapConsumerIdProducerId: Record<string, unknown>;
      mapDataProducerIdDataConsumerIds: Record<string, unknown>;
      mapDataConsumerIdDataProducerId: Record<string, unknown>;
    };
    inventory.transports += dump.transportIds.length;
    inventory.producers += Object.keys(dump.mapProducerIdConsumerIds).length;
    inventory.consumers += Object.keys(dump.mapConsumerIdProducerId).length;
    inventory.dataProducers += Object.keys(dump.mapDataProducerIdDataConsumerIds).length;
    inventory.dataConsumers += Object.keys(dump.mapDataConsumerIdDataProducerId).length;
  }
  return inventory;
}
