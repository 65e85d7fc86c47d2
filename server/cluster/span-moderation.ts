/**
 * Moderation of a room that spans nodes: every node's part of the room keeps the same access mode, a
 * moderator anywhere sees (and answers) everyone waiting in the lobby on any node, and can mute or
 * remove people whose client is on another node.
 *
 * Why each node needs this: a newcomer placed on a node that just joined the span is checked against
 * that node's RoomAccessControl. Without the mode carried over, locking the room or putting a lobby in
 * front of it would only hold on the node where the moderator happens to be, and the room would be open
 * exactly when it is large enough to span nodes.
 *
 * - The mode is written to Redis (read when a node's part of the room starts, before its first join)
 *   and sent to the other nodes as it changes; with two changes at once, the later one wins everywhere.
 * - Each node keeps its own lobby (the knocker's connection is there) and sends the whole list on each
 *   change; an answer from a moderator on another node goes back to the knock's node.
 * - Muting or removing someone on another node is asked of that node, which does it as its own
 *   moderator would and tells everyone (`peerMuted`, `peerLeft`), this node included.
 * Node-to-node messages are signed (signed-bus.ts); the sending node checked the moderator's grant.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { MediaSource } from '../../protocol/media.js';
import type { Actor, Knock, RoomAccess } from '../../protocol/moderation.js';
import { mutePeer, removePeer, type PeerRelay } from '../rooms/moderation.js';
import type { AccessPeers } from '../rooms/room-access.js';
import type { Peer } from '../rooms/peer.js';
import type { Room } from '../rooms/room.js';
import { RequestError } from '../signaling/errors.js';
import type { ClusterMessage, ClusterMessageBody } from './messages.js';
import type { AccessState, RoomPlacement } from './placement.js';

export interface SpanModerationContext {
  room: Room;
  placement: RoomPlacement;
  /** To every other node serving the room. */
  broadcast(body: ClusterMessageBody): void;
  send(to: string, body: ClusterMessageBody): Promise<void>;
  /** The node serving a remote peer; null for an orphan (its node died); undefined if not remote. */
  nodeOf(peerId: string): string | null | undefined;
  redisReady(): boolean;
  logger: FastifyBaseLogger;
}

type ModerationMessage = Extract<ClusterMessage, { type: 'access' | 'lobby' | 'knockAnswer' | 'moderate' }>;

export class SpanModeration implements AccessPeers, PeerRelay {
  readonly #ctx: SpanModerationContext;
  /** When the mode this node applies was set (0: never; the room started open). */
  #accessAt = 0;

  constructor(ctx: SpanModerationContext) {
    this.#ctx = ctx;
    ctx.room.access.linkOtherNodes(this);
    ctx.room.elsewhere = this;
  }

  /** Before anyone joins this node's part of the room: the mode a moderator set on another node. */
  async load(): Promise<void> {
    if (!this.#ctx.redisReady()) return;
    const state = await this.#ctx.placement.accessOf(this.#ctx.room.id).catch((error: unknown) => {
      this.#ctx.logger.warn({ err: error }, 'cannot read the room access mode from redis');
      return null;
    });
    if (state) this.#apply(state, null);
  }

  /** What a `hello` carries about moderation. */
  greeting(): { access: AccessState; knocks: Knock[] } {
    return { access: { mode: this.#ctx.room.access.mode, at: this.#accessAt }, knocks: this.#ctx.room.access.localKnocks };
  }

  /** The other node's state, from its `hello`. */
  greeted(from: string, hello: { access?: AccessState | undefined; knocks?: Knock[] | undefined }): void {
    if (hello.access) this.#apply(hello.access, null);
    this.#ctx.room.access.setRemoteKnocks(from, hello.knocks ?? []);
  }

  /** A node left the room or died: its lobby is gone from here (its knockers' connections were there). */
  nodeGone(nodeId: string): void {
    this.#ctx.room.access.setRemoteKnocks(nodeId, []);
  }

  async handle(message: ModerationMessage): Promise<void> {
    const { room } = this.#ctx;
    switch (message.type) {
      case 'access':
        this.#apply(message.state, message.by);
        return;
      case 'lobby':
        room.access.setRemoteKnocks(message.from, message.knocks);
        return;
      case 'knockAnswer':
        // Only a knock waiting here: an unknown id must not bounce between nodes.
        if (!room.access.localKnocks.some((knock) => knock.knockId === message.knockId)) return;
        room.access.answer(message.knockId, message.admitted, message.reason);
        return;
      case 'moderate': {
        const target = room.peers.get(message.peerId);
        // Only one of this node's own people: a node cannot be made to act on another's.
        if (!target || this.#ctx.nodeOf(target.id) !== undefined) return;
        if (message.action === 'remove') await removePeer(room, target, message.by);
        else if (message.source) await mutePeer(room, target, message.source, message.by);
        return;
      }
    }
  }

  // AccessPeers: this node's access control changed.

  modeChanged(mode: RoomAccess, by: Actor): void {
    const state = { mode, at: Math.max(Date.now(), this.#accessAt + 1) };
    this.#accessAt = state.at;
    this.#ctx.broadcast({ type: 'access', state, by });
    if (!this.#ctx.redisReady()) return;
    this.#ctx.placement.setAccess(this.#ctx.room.id, state).catch((error: unknown) => {
      this.#ctx.logger.warn({ err: error }, 'cannot record the room access mode in redis');
    });
  }

  lobbyChanged(localKnocks: Knock[]): void {
    this.#ctx.broadcast({ type: 'lobby', knocks: localKnocks });
  }

  answerElsewhere(nodeId: string, knockId: string, admitted: boolean, reason?: string): void {
    this.#ctx.send(nodeId, { type: 'knockAnswer', knockId, admitted, ...(reason === undefined ? {} : { reason }) }).catch((error: unknown) => {
      this.#ctx.logger.warn({ err: error, node: nodeId }, 'cannot pass the answer to a knock on to its node');
    });
  }

  // PeerRelay: moderation of people whose client is on another node.

  holds(peer: Peer): boolean {
    return this.#ctx.nodeOf(peer.id) !== undefined;
  }

  mute(peer: Peer, source: MediaSource, by: Actor): Promise<void> {
    return this.#ask(peer, { type: 'moderate', peerId: peer.id, action: 'mute', source, by });
  }

  remove(peer: Peer, by: Actor): Promise<void> {
    return this.#ask(peer, { type: 'moderate', peerId: peer.id, action: 'remove', by });
  }

  async #ask(peer: Peer, body: ClusterMessageBody): Promise<void> {
    const nodeId = this.#ctx.nodeOf(peer.id);
    if (!nodeId) throw new RequestError('INVALID_STATE', `${peer.displayName} is reconnecting; try again in a moment`);
    await this.#ctx.send(nodeId, body).catch((error: unknown) => {
      this.#ctx.logger.warn({ err: error, node: nodeId }, 'cannot reach the node of the person to moderate');
      throw new RequestError('INVALID_STATE', `cannot reach ${peer.displayName}'s server right now; try again`);
    });
  }

  /** Takes another node's mode if it was set later than this node's. */
  #apply(state: AccessState, by: Actor): void {
    if (state.at <= this.#accessAt) return;
    this.#accessAt = state.at;
    this.#ctx.room.access.setMode(state.mode, by, true);
  }
}
