/**
 * Decorates the app with its mediasoup worker pool (`app.media`) and its rooms (`app.rooms`), and
 * closes both when the app closes: rooms first (clients are told), then the workers.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MAX_CHAT_TEXT_BYTES } from '../../protocol/chat.js';
import { CLOSE_CODES } from '../../protocol/errors.js';
import type { Config } from '../config.js';
import { RoomRegistry } from '../rooms/room-registry.js';
import { WorkerPool } from './worker-pool.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    media: WorkerPool;
    rooms: RoomRegistry;
  }
}

export const mediaPlugin = fp(
  async (app: FastifyInstance) => {
    const { config } = app;
    const media = await WorkerPool.create({
      count: config.workers,
      rtcPort: config.rtcPort,
      listenIp: config.rtcListenIp,
      announcedIp: config.announcedIp,
      logger: app.log.child({ component: 'media' }),
    });
    const rooms = new RoomRegistry({
      pool: media,
      maxPeersPerRoom: config.maxPeersPerRoom,
      p2p: config.p2p,
      // With join tokens, moderation comes only from tokens; without, the first person in moderates.
      autoModerator: !config.auth.joinTokenSecret,
      logger: app.log,
      chat: {
        historySize: config.chatHistorySize,
        limits: { maxTextBytes: MAX_CHAT_TEXT_BYTES, burst: config.chatRateBurst, perSecond: config.chatRatePerSecond },
      },
    });
    app.decorate('media', media);
    app.decorate('rooms', rooms);
    app.addHook('onClose', async () => {
      rooms.closeAll({ code: CLOSE_CODES.SHUTDOWN, message: 'server is shutting down' });
      await media.close();
    });
  },
  { name: 'shouwang-media' },
);
