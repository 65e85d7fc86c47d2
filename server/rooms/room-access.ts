/**
 * Who may come into one room: its access mode (open, lobby, locked) and its lobby, where newcomers
 * knock and wait for a moderator. An admitted knock becomes a one-time pass for the knocker's own
 * connection, which it spends on `join`. Moderators always get in.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import {
  KNOCK_TIMEOUT_MS,
  MAX_KNOCKS_PER_ROOM,
  type Actor,
  type Knock,
  type RoomAccess,
} from '../../protocol/moderation.js';
import type { Grants } from '../auth/grants.js';
import { RequestError } from '../signaling/errors.js';
import type { PeerChannel } from './peer-channel.js';
import type { Peer } from './peer.js';

/** An admitted knocker must join within this time, or knock again. */
const PASS_TTL_MS = 60_000;

interface PendingKnock extends Knock {
  channel: PeerChannel;
  timer: NodeJS.Timeout;
}

export interface RoomAccessOptions {
  logger: FastifyBaseLogger;
  /** Everyone in the room now: moderators among them hear about the lobby. */
  peers: () => Iterable<Peer>;
}

/**
 * Other nodes serving the same room (server/cluster/span-moderation.ts): they hear this node's mode
 * changes and lobby, and answer the knocks waiting there. Without a cluster there is none.
 */
export interface AccessPeers {
  modeChanged(mode: RoomAccess, by: Actor): void;
  lobbyChanged(localKnocks: Knock[]): void;
  /** A moderator here answered a knock that waits on another node. */
  answerElsewhere(nodeId: string, knockId: string, admitted: boolean, reason?: string): void;
}

export class RoomAccessControl {
  readonly #options: RoomAccessOptions;
  readonly #knocks = new Map<string, PendingKnock>();
  /** Admitted knockers' connections, until they join (or the pass expires). */
  readonly #passes = new Map<PeerChannel, NodeJS.Timeout>();
  /** Knocks waiting on other nodes of a room that spans nodes, by the node they wait on. */
  readonly #remoteKnocks = new Map<string, Knock[]>();
  #others: AccessPeers | undefined;
  #mode: RoomAccess = 'open';
  #closed = false;

  constructor(options: RoomAccessOptions) {
    this.#options = options;
  }

  get mode(): RoomAccess {
    return this.#mode;
  }

  /** Everyone waiting, here and on the room's other nodes: what moderators see. */
  get knocks(): Knock[] {
    return [...this.localKnocks, ...[...this.#remoteKnocks.values()].flat()];
  }

  /** The knocks waiting on this node's connections. */
  get localKnocks(): Knock[] {
    return [...this.#knocks.values()].map(({ knockId, displayName, since }) => ({ knockId, displayName, since }));
  }

  /** Whether nobody waits here for an answer or holds a pass: nothing keeps an empty room part open. */
  get idle(): boolean {
    return this.#knocks.size === 0 && this.#passes.size === 0;
  }

  /** Links this room to its other nodes (once, by its RoomSpan). */
  linkOtherNodes(others: AccessPeers): void {
    this.#others = others;
  }

  /** Another node's lobby for this room changed (`[]`: that node has nobody waiting, or left). */
  setRemoteKnocks(nodeId: string, knocks: Knock[]): void {
    if (knocks.length === 0 && !this.#remoteKnocks.has(nodeId)) return;
    if (knocks.length === 0) this.#remoteKnocks.delete(nodeId);
    else this.#remoteKnocks.set(nodeId, knocks.slice(0, MAX_KNOCKS_PER_ROOM));
    this.#notifyModerators();
  }

  /**
   * Throws unless someone with `grants`, on `channel`, may enter now. Spends the channel's pass if it
   * has one: an admitted knocker gets in even if the room was locked meanwhile (a moderator let them in).
   */
  checkEntry(grants: Grants, channel: PeerChannel): void {
    if (grants.moderate) return;
    const pass = this.#passes.get(channel);
    if (pass) {
      clearTimeout(pass);
      this.#passes.delete(channel);
      return;
    }
    if (this.#mode === 'locked') throw new RequestError('FORBIDDEN', 'the meeting is locked');
    if (this.#mode === 'lobby') throw new RequestError('LOBBY', 'the meeting has a lobby: knock and wait for a moderator');
  }

  /**
   * Changes the mode and tells everyone. Opening the room lets everyone in the lobby in. `fromNode`:
   * the change was made on another node of the room, which tells the rest itself.
   */
  setMode(mode: RoomAccess, by: Actor, fromNode = false): void {
    if (this.#closed || mode === this.#mode) return;
    this.#mode = mode;
    if (!fromNode) this.#others?.modeChanged(mode, by);
    for (const peer of this.#options.peers()) peer.channel.notify('roomAccessChanged', { access: mode, by });
    this.#options.logger.info({ access: mode, by: by?.peerId ?? 'operator' }, 'room access changed');
    if (mode === 'open') for (const knockId of [...this.#knocks.keys()]) this.answer(knockId, true);
  }

  /** Puts a newcomer in the lobby; answers at once if the room is open. Returns the knock id. */
  knock(displayName: string, channel: PeerChannel): string {
    if (this.#closed) throw new RequestError('INVALID_STATE', 'the meeting has ended');
    if (this.#mode === 'locked') throw new RequestError('FORBIDDEN', 'the meeting is locked');
    for (const existing of this.#knocks.values()) {
      if (existing.channel === channel) throw new RequestError('INVALID_STATE', 'you are already waiting in the lobby');
    }
    const knockId = randomUUID();
    if (this.#mode === 'open') {
      this.#grantPass(channel);
      // After the response, so the client knows its knock id first.
      setImmediate(() => channel.notify('knockAnswered', { admitted: true }));
      return knockId;
    }
    if (this.#knocks.size >= MAX_KNOCKS_PER_ROOM) throw new RequestError('ROOM_FULL', 'too many people are waiting in the lobby');
    const timer = setTimeout(() => this.answer(knockId, false, 'nobody let you in in time'), KNOCK_TIMEOUT_MS);
    timer.unref();
    this.#knocks.set(knockId, { knockId, displayName, since: Date.now(), channel, timer });
    this.#options.logger.info({ knockId, displayName }, 'knock');
    this.#lobbyChanged();
    return knockId;
  }

  /** The knocker gave up (its connection closed). */
  withdraw(knockId: string): void {
    const knock = this.#knocks.get(knockId);
    if (!knock) return;
    clearTimeout(knock.timer);
    this.#knocks.delete(knockId);
    this.#lobbyChanged();
  }

  /** Admits or denies a waiting knock. Throws NOT_FOUND for a knock that is gone. */
  answer(knockId: string, admitted: boolean, reason?: string): void {
    const knock = this.#knocks.get(knockId);
    if (!knock) {
      const nodeId = this.#nodeWaiting(knockId);
      if (nodeId === undefined || !this.#others) throw new RequestError('NOT_FOUND', 'nobody with that knock is waiting');
      this.#others.answerElsewhere(nodeId, knockId, admitted, reason);
      return;
    }
    clearTimeout(knock.timer);
    this.#knocks.delete(knockId);
    if (admitted) this.#grantPass(knock.channel);
    knock.channel.notify('knockAnswered', { admitted, ...(reason === undefined ? {} : { reason }) });
    this.#options.logger.info({ knockId, admitted, reason }, 'knock answered');
    this.#lobbyChanged();
  }

  /** A moderator just arrived (or became one): show them who is waiting. */
  showLobbyTo(peer: Peer): void {
    const knocks = this.knocks;
    if (knocks.length > 0) peer.channel.notify('lobbyChanged', { knocks });
  }

  /** The room closed: everyone still waiting is turned away. Idempotent. */
  close(): void {
    if (this.#closed) return;
    for (const knockId of [...this.#knocks.keys()]) this.answer(knockId, false, 'the meeting has ended');
    this.#closed = true;
    for (const timer of this.#passes.values()) clearTimeout(timer);
    this.#passes.clear();
  }

  #grantPass(channel: PeerChannel): void {
    const previous = this.#passes.get(channel);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => this.#passes.delete(channel), PASS_TTL_MS);
    timer.unref();
    this.#passes.set(channel, timer);
  }

  #nodeWaiting(knockId: string): string | undefined {
    for (const [nodeId, knocks] of this.#remoteKnocks) if (knocks.some((knock) => knock.knockId === knockId)) return nodeId;
    return undefined;
  }

  /** Moderators here see the change; the room's other nodes hear of it when it is this node's lobby. */
  #lobbyChanged(): void {
    this.#notifyModerators();
    if (!this.#closed) this.#others?.lobbyChanged(this.localKnocks);
  }

  #notifyModerators(): void {
    if (this.#closed) return;
    const knocks = this.knocks;
    for (const peer of this.#options.peers()) {
      if (peer.grants.moderate) peer.channel.notify('lobbyChanged', { knocks });
    }
  }
}
