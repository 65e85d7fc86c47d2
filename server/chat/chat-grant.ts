/**
 * The one place that decides whether a peer may post to the room's chat. Every path (data channel,
 * `sendChat`) goes through `RoomChat.post`, which asks here before anything is stamped or relayed.
 */
import type { ChatKind } from '../../protocol/chat.js';
import type { Peer } from '../rooms/peer.js';

/**
 * Chat lines need the `chat` grant (join tokens can withhold it, e.g. for a webinar's audience); raising
 * a hand and reacting do not, so someone who may not write can still ask for the floor.
 */
export function mayPost(peer: Peer, kind: ChatKind): boolean {
  return kind !== 'chat' || peer.grants.chat;
}
