/**
 * Moderators acting on others in their room: mute, remove, change who may come in. Only peers with the
 * `moderate` grant get here (dispatch checks server/auth/required-grants.ts first).
 */
import { actorOf, mutePeer, removePeer, targetIn } from '../../rooms/moderation.js';
import type { HandlerMap } from '../handler.js';

export const moderationHandlers: HandlerMap<'mutePeer' | 'removePeer' | 'setRoomAccess'> = {
  async mutePeer(session, { peerId, source }) {
    const { peer, room } = session.member();
    const target = targetIn(room, peer, peerId);
    return { mutedProducerIds: await mutePeer(room, target, source, actorOf(peer)) };
  },

  async removePeer(session, { peerId }) {
    const { peer, room } = session.member();
    await removePeer(room, targetIn(room, peer, peerId), actorOf(peer));
    return {};
  },

  setRoomAccess(session, { access }) {
    const { peer, room } = session.member();
    room.access.setMode(access, actorOf(peer));
    return { access: room.access.mode };
  },
};
