/**
 * The connection itself rather than the room: `resume` puts a new socket in place of a broken one for
 * the same peer, `ping` lets a client check that its socket still carries messages.
 */
import { toWire } from '../../media/wire.js';
import { RequestError } from '../errors.js';
import type { HandlerMap } from '../handler.js';

/** The same answer for an unknown peer and a wrong token: nobody learns which peers exist. */
const NO_SESSION = 'no session to resume (it ended, or the token is not valid)';

export const sessionHandlers: HandlerMap<'resume' | 'ping'> = {
  async resume(session, { roomId, peerId, resumeToken }) {
    if (session.peer || session.joining) throw new RequestError('ALREADY_JOINED', 'this connection already joined a room');
    session.joining = true;
    try {
      let room = session.rooms.rooms.get(roomId);
      let peer = room?.peers.get(peerId);
      // In a cluster the session may live on another node, or on one that died (server/cluster/).
      if (session.cluster && (!room || !peer || session.cluster.isRemote(room, peerId))) {
        ({ room, peer } = await session.cluster.takeOverForResume(roomId, peerId, resumeToken));
      }
      if (!room || !peer || !peer.resumeSecret.matches(resumeToken)) throw new RequestError('NOT_FOUND', NO_SESSION);
      const snapshot = await room.resume(peer, session.connection);
      if (session.connection.closed) {
        // This socket broke too while resuming: the peer waits for the next attempt.
        room.suspend(peer, session.config.resumeGraceMs, 'connection closed while resuming');
        throw new RequestError('INVALID_STATE', 'connection closed while resuming');
      }
      session.peer = peer;
      session.room = room;
      // After the answer is on its way: the client must know its transports before consumers arrive.
      setImmediate(() => room.consumeMissing(peer));
      const nextToken = peer.resumeSecret.issue();
      await session.cluster?.peerEntered(room, peer);
      return {
        peerId: peer.id,
        resumeToken: nextToken,
        resumeGraceMs: session.config.resumeGraceMs,
        routerRtpCapabilities: toWire(room.router.rtpCapabilities),
        peers: snapshot.others,
        transportIds: snapshot.transportIds,
        producers: snapshot.producers,
        consumers: snapshot.consumers,
      };
    } finally {
      session.joining = false;
    }
  },

  ping() {
    return {};
  },
};
