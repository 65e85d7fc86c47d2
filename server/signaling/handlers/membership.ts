/** Entering and leaving a room, and declaring what this device can receive. */
import { CLOSE_CODES } from '../../../protocol/errors.js';
import { admissionFor } from '../../auth/admission.js';
import { toWire } from '../../media/wire.js';
import { iceServersFor } from '../../p2p/ice-servers.js';
import { RoomClosedError } from '../../rooms/room.js';
import { RequestError } from '../errors.js';
import type { HandlerMap } from '../handler.js';

export const membershipHandlers: HandlerMap<'join' | 'leave' | 'setCapabilities'> = {
  async join(session, { roomId, displayName, muted, token }) {
    if (session.peer || session.joining) throw new RequestError('ALREADY_JOINED', 'this connection already joined a room');
    if (!session.rooms.accepting) {
      setImmediate(() => session.connection.close(CLOSE_CODES.SHUTDOWN, 'server is shutting down'));
      throw new RequestError('INVALID_STATE', 'the server is shutting down');
    }
    session.joining = true;
    try {
      // Before any room is created: a refused token must not leave an empty room behind.
      const admission = await admissionFor({ roomId, displayName, token }, session.config.auth);
      // In a cluster the room may live on another node: the client moves there (server/cluster/README.md).
      const moved = await session.cluster?.redirectForJoin(roomId);
      if (moved) throw new RequestError('MOVED', `room ${roomId} is served by another node`, moved);
      // The last peer may leave (closing the room) between lookup and join: look it up again.
      for (let attempt = 0; ; attempt++) {
        const room = await session.rooms.getOrCreate(roomId);
        await session.cluster?.roomReady(room);
        try {
          const { peer, others } = await room.join(admission.displayName, session.connection, muted, admission);
          if (session.connection.closed) {
            await room.leave(peer, 'socket closed while joining');
            throw new RequestError('INVALID_STATE', 'connection closed while joining');
          }
          session.peer = peer;
          session.room = room;
          const resumeToken = peer.resumeSecret.issue();
          // Before the answer: once the client has the token, another node must be able to check it.
          await session.cluster?.peerEntered(room, peer);
          return {
            peerId: peer.id,
            roomId,
            routerRtpCapabilities: toWire(room.router.rtpCapabilities),
            peers: others,
            grants: { ...peer.grants },
            access: room.access.mode,
            iceServers: iceServersFor(session.config.p2p, peer.id),
            resumeToken,
            resumeGraceMs: session.config.resumeGraceMs,
            ...(session.cluster ? { nodeUrls: session.cluster.otherNodeUrls() } : {}),
          };
        } catch (error) {
          if (!(error instanceof RoomClosedError) || attempt >= 3) throw error;
        }
      }
    } finally {
      session.joining = false;
    }
  },

  async setCapabilities(session, { rtpCapabilities, sctpCapabilities }) {
    const { peer, room } = session.member();
    await room.setCapabilities(peer, { rtpCapabilities, sctpCapabilities });
    return {};
  },

  async leave(session) {
    const { peer, room } = session.member();
    session.peer = undefined;
    session.room = undefined;
    await room.leave(peer, 'left');
    // Answer first, then close: the client learns its leave went through.
    setImmediate(() => session.connection.close(CLOSE_CODES.LEFT, 'left the room'));
    return {};
  },
};
