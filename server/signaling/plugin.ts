/**
 * The `/ws` signaling endpoint. Each socket gets a SignalingConnection (attached synchronously, so no
 * message is lost) and a Session; closing the socket takes the peer out of its room.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import { MAX_FRAME_BYTES } from '../../protocol/limits.js';
import { SignalingConnection, type ConnectionOptions } from './connection.js';
import { dispatch } from './dispatch.js';
import { Session } from './session.js';

export interface SignalingPluginOptions {
  connection?: Omit<ConnectionOptions, 'logger'>;
}

export const signalingPlugin = fp<SignalingPluginOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

    app.get('/ws', { websocket: true }, (socket, request) => {
      const logger = request.log.child({ remote: request.ip });
      const connection = new SignalingConnection(socket, { ...options.connection, logger });
      const session = new Session({ connection, rooms: app.rooms, config: app.config });
      connection.on('request', (message) => void dispatch(session, message));
      connection.on('close', (code, reason) => {
        const { peer, room } = session;
        session.peer = undefined;
        session.room = undefined;
        if (peer && room) void room.leave(peer, `socket closed (${code}${reason ? ` ${reason}` : ''})`);
      });
    });
  },
  { name: 'shouwang-signaling', dependencies: ['shouwang-media'] },
);
