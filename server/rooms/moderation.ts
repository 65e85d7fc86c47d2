/**
 * What moderators (and the operator's HTTP API) do to participants, and who moderates an open room.
 *
 * Open rooms (a server without JOIN_TOKEN_SECRET) moderate themselves like Jitsi: the first person in
 * becomes moderator, and when the last moderator leaves, the person who has been there longest takes
 * over. With join tokens, only tokens grant `moderate`; nobody is promoted.
 */
import { CLOSE_CODES } from '../../protocol/errors.js';
import type { MediaSource } from '../../protocol/media.js';
import type { Actor } from '../../protocol/moderation.js';
import { MUTABLE_SOURCES, type MutableSource } from '../../protocol/p2p.js';
import { RequestError } from '../signaling/errors.js';
import type { Peer } from './peer.js';
import type { Room } from './room.js';

/**
 * Acts on people who are in the room here only as another node's (a room spanning nodes): the node that
 * serves them must mute or remove them, and then tells everyone, this node included.
 */
export interface PeerRelay {
  holds(peer: Peer): boolean;
  mute(peer: Peer, source: MediaSource, by: Actor): Promise<void>;
  remove(peer: Peer, by: Actor): Promise<void>;
}

/** The actor a moderator peer is, as others are told. */
export function actorOf(peer: Peer): Actor {
  return { peerId: peer.id, displayName: peer.displayName };
}

function describe(by: Actor): string {
  return by ? `by ${by.displayName}` : 'by the organizer';
}

/** Whether a newcomer to an open room should moderate: nobody in the room does yet. */
export function needsModerator(peers: Iterable<Peer>): boolean {
  for (const peer of peers) if (peer.grants.moderate) return false;
  return true;
}

/**
 * After a moderator left an open room: hands moderation to whoever has been there longest, if nobody
 * else moderates. Returns the new moderator (the caller tells everyone).
 */
export function successorModerator(peers: Iterable<Peer>): Peer | undefined {
  let oldest: Peer | undefined;
  for (const peer of peers) {
    if (peer.grants.moderate) return undefined;
    // Token holders keep exactly what their token grants.
    if (peer.identity !== undefined) continue;
    if (!oldest || peer.joinedAt < oldest.joinedAt) oldest = peer;
  }
  return oldest;
}

function isMutable(source: MediaSource): source is MutableSource {
  return (MUTABLE_SOURCES as readonly string[]).includes(source);
}

/**
 * Pauses `target`'s producers of `source` on the server (everyone sees it muted, the SFU stops
 * forwarding it), records the mute for late joiners, and tells the target who did it. In a P2P room
 * the producer is not what carries media: the target's client is asked to stop sending, and does.
 */
export async function mutePeer(room: Room, target: Peer, source: MediaSource, by: Actor): Promise<string[]> {
  if (room.elsewhere?.holds(target)) {
    await room.elsewhere.mute(target, source, by);
    // The same ids as on the target's node: its producers are piped here under their own ids.
    return [...target.producers.values()].filter((producer) => producer.appData.source === source).map((producer) => producer.id);
  }
  const paused: string[] = [];
  for (const producer of target.producers.values()) {
    if (producer.appData.source !== source || producer.closed) continue;
    if (!producer.paused) await producer.pause();
    paused.push(producer.id);
  }
  if (isMutable(source) && !target.muted[source]) room.setMuted(target, source, true);
  target.channel.notify('mutedByModerator', { source, by });
  target.logger.info({ source, by: by?.peerId ?? 'operator', producers: paused.length }, 'muted by moderator');
  return paused;
}

/** Takes `target` out of the room; its connection closes with REMOVED and says by whom. */
export async function removePeer(room: Room, target: Peer, by: Actor): Promise<void> {
  if (room.elsewhere?.holds(target)) return room.elsewhere.remove(target, by);
  target.logger.info({ by: by?.peerId ?? 'operator' }, 'removed by moderator');
  // Closed first, so the client learns why before it sees its media stop.
  target.channel.close(CLOSE_CODES.REMOVED, `removed from the meeting ${describe(by)}`);
  await room.leave(target, `removed ${describe(by)}`);
}

/** A moderator acting on someone in its own room; the target must be someone else who is present. */
export function targetIn(room: Room, moderator: Peer, peerId: string): Peer {
  const target = room.peers.get(peerId);
  if (!target) throw new RequestError('NOT_FOUND', 'nobody with that peer id is in this meeting');
  if (target === moderator) throw new RequestError('BAD_REQUEST', 'use your own controls for yourself');
  return target;
}
