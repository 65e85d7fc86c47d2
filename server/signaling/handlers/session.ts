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
    const room = session.rooms.rooms.get(roomId);
    const peer = room?.peers.get(peerId);
    if (!room || !peer || !peer.resumeSecret.matches(resumeToken)) throw new RequestError('NOT_FOUND', NO_SESSION);
    session.joining = true;
    try {
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
      return {
        peerId: peer.id,
        resumeToken: peer.resumeSecret.issue(),
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
