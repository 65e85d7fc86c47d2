/**
 * The `/ws` signaling endpoint. Each socket gets a SignalingConnection (attached synchronously, so no
 * message is lost) and a Session; closing the socket takes the peer out of its room.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import { MAX_FRAME_BYTES } from '../../protocol/limits.js';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { SHUTDOWN_MESSAGE } from '../lifecycle/shutdown.js';
import { ConnectionLimit } from './connection-limit.js';
import { SignalingConnection, type ConnectionOptions } from './connection.js';
import { onSocketClosed } from './disconnect.js';
import { dispatch } from './dispatch.js';
import { Session } from './session.js';

export interface SignalingPluginOptions {
  connection?: Omit<ConnectionOptions, 'logger'>;
}

export const signalingPlugin = fp<SignalingPluginOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(websocket, {
      options: { maxPayload: MAX_FRAME_BYTES },
      // On app.close(): sockets still open (not in a room, or knocking) learn why, with 4004.
      preClose(done) {
        for (const client of this.websocketServer.clients) client.close(CLOSE_CODES.SHUTDOWN, SHUTDOWN_MESSAGE);
        this.websocketServer.close();
        done();
      },
    });
    const observer = app.hasDecorator('metrics') ? app.metrics.signaling : undefined;

    const limit = new ConnectionLimit(app.config.maxConnectionsPerIp);

    app.get('/ws', { websocket: true }, (socket, request) => {
      const address = request.ip;
      const logger = request.log.child({ remote: address });
      if (!limit.tryOpen(address)) {
        logger.warn({ max: app.config.maxConnectionsPerIp }, 'refusing socket: too many connections from this address');
        socket.close(CLOSE_CODES.TOO_MANY_CONNECTIONS, 'too many connections from your address');
        return;
      }
      socket.once('close', () => limit.release(address));
      const connection = new SignalingConnection(socket, { ...options.connection, logger });
      const session = new Session({ connection, rooms: app.rooms, config: app.config, observer, cluster: app.cluster });
      connection.on('request', (message) => void dispatch(session, message));
      connection.on('close', (code, reason) => onSocketClosed(session, code, reason));
    });
  },
  { name: 'shouwang-signaling', dependencies: ['shouwang-media'] },
);
