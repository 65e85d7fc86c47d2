/**
 * The lobby: a newcomer knocks on a room whose access is `lobby` and waits on its own connection; a
 * moderator admits or turns it away. An admitted knocker then sends `join` on the same connection.
 */
import { admissionFor } from '../../auth/admission.js';
import { RequestError } from '../errors.js';
import type { HandlerMap } from '../handler.js';

export const lobbyHandlers: HandlerMap<'knock' | 'admitKnock' | 'denyKnock'> = {
  async knock(session, { roomId, displayName, token }) {
    if (session.peer || session.joining) throw new RequestError('ALREADY_JOINED', 'this connection already joined a room');
    // The same checks as `join`: a bad token is refused here, not after a moderator's yes.
    const admission = await admissionFor({ roomId, displayName, token }, session.config.auth);
    const { connection } = session;
    let room = session.rooms.rooms.get(roomId);
    if (session.cluster && (!room || room.closed) && !admission.grants.moderate) {
      // The room may live on other nodes only (this node's part of it closed meanwhile): this node's
      // part learns their access mode and lobby before the knock is judged.
      room = await session.rooms.getOrCreate(roomId);
      await session.cluster.roomReady(room);
    }
    if (!room || room.closed || room.peers.size === 0 || admission.grants.moderate) {
      // Nobody to ask (the room is empty: it opens for whoever comes) or a moderator: come in.
      setImmediate(() => connection.notify('knockAnswered', { admitted: true }));
      return { knockId: 'immediate' };
    }
    const knockId = room.access.knock(admission.displayName, connection);
    connection.once('close', () => room.access.withdraw(knockId));
    return { knockId };
  },

  admitKnock(session, { knockId }) {
    const { room } = session.member();
    room.access.answer(knockId, true);
    return {};
  },

  denyKnock(session, { knockId }) {
    const { peer, room } = session.member();
    room.access.answer(knockId, false, `declined by ${peer.displayName}`);
    return {};
  },
};
