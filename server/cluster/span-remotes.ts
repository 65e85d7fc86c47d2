/**
 * The people of a spanning room whose client is on another node ("remote"). Each is a Peer in this
 * node's Room with a channel that sends nowhere, so the Room and its people treat it like anyone else,
 * and each is tied to the node that serves it: only that node may speak for it (produce, chat).
 *
 * When that node dies its people stay here as orphans for `resumeGraceMs`: their clients resume on a
 * surviving node (`takeOver` where it is this one, `peerMoved` from another), and nobody sees them
 * leave. An orphan nobody resumed in time is removed, here and from the directory.
 */
import { OPEN_JOIN_GRANTS } from '../auth/grants.js';
import { Peer } from '../rooms/peer.js';
import type { PeerChannel } from '../rooms/peer-channel.js';
import type { Room } from '../rooms/room.js';
import type { ClusterMessage, RemotePeerInfo } from './messages.js';
import type { PeerDirectory, PeerRecord } from './peer-directory.js';

export interface SpanRemotesContext {
  room: Room;
  directory: PeerDirectory;
  /** How long a peer of a dead node is kept for its client to resume somewhere. */
  resumeGraceMs: number;
  /** Runs a task in the span's one-at-a-time queue. */
  serialized(task: () => Promise<void>): Promise<void>;
}

/** What a node says about its own people, their piped producers' pause, resume and close included. */
type PeopleMessage = Extract<ClusterMessage, { type: 'peerLeft' | 'peerMuted' | 'chat' | 'producerClosed' | 'producerPaused' | 'producerResumed' }>;

/** A remote peer's client is on another node: nothing is sent to it from here. */
const remoteChannel: PeerChannel = {
  notify() {},
  request(method) {
    return Promise.reject(new Error(`cannot send ${method}: the peer is on another node`));
  },
  close() {},
};

interface Remote {
  peer: Peer;
  /** Its node; null while it is an orphan (its node died and it has not resumed anywhere yet). */
  nodeId: string | null;
  orphanTimer?: NodeJS.Timeout;
}

export class SpanRemotes {
  readonly #ctx: SpanRemotesContext;
  readonly #remotes = new Map<string, Remote>();

  constructor(ctx: SpanRemotesContext) {
    this.#ctx = ctx;
  }

  has(peerId: string): boolean {
    return this.#remotes.has(peerId);
  }

  /** The remote peer if `nodeId` serves it: only that node may speak for it. */
  servedBy(peerId: string, nodeId: string): Peer | undefined {
    const remote = this.#remotes.get(peerId);
    return remote?.nodeId === nodeId ? remote.peer : undefined;
  }

  /** The node serving a remote peer; null for an orphan (its node died); undefined if not remote. */
  nodeOf(peerId: string): string | null | undefined {
    return this.#remotes.get(peerId)?.nodeId;
  }

  /** Whether the peer is an orphan here (its node died) that a client may now resume on this node. */
  isOrphan(peerId: string): boolean {
    return this.#remotes.get(peerId)?.nodeId === null;
  }

  get hasOrphans(): boolean {
    return [...this.#remotes.values()].some((remote) => remote.nodeId === null);
  }

  async handle(message: PeopleMessage): Promise<void> {
    const { room } = this.#ctx;
    const from = message.from;
    switch (message.type) {
      case 'peerLeft':
        await this.remove(message.peerId, 'left (on another node)');
        return;
      case 'peerMuted': {
        const remote = this.#remotes.get(message.peerId);
        if (remote) room.setMuted(remote.peer, message.source, message.muted);
        return;
      }
      case 'chat': {
        // Only the node that serves a person may speak for it.
        const sender = this.servedBy(message.senderId, from);
        if (!sender) return;
        room.chat.postFromNode(sender, message.message, { senderName: message.senderName, timestamp: message.timestamp });
        return;
      }
      case 'producerClosed':
      case 'producerPaused':
      case 'producerResumed': {
        const producer = this.#producer(from, message.producerId);
        if (!producer) return;
        if (message.type === 'producerClosed') {
          producer.close();
          this.#remotes.get(producer.appData.peerId)?.peer.producers.delete(producer.id);
        } else if (message.type === 'producerPaused') await producer.pause();
        else await producer.resume();
        return;
      }
    }
  }

  /**
   * A person served by `nodeId` joins, or is known already: then `nodeId` serves it from now on (it
   * resumed there after its node died) and it is no orphan any more.
   */
  async admit(info: RemotePeerInfo, nodeId: string): Promise<void> {
    const known = this.#remotes.get(info.id);
    if (known) {
      clearTimeout(known.orphanTimer);
      known.nodeId = nodeId;
      return;
    }
    if (this.#ctx.room.peers.has(info.id)) return;
    const peer = this.#remotePeer(info, nodeId);
    this.#remotes.set(info.id, { peer, nodeId });
    await this.#ctx.room.admit(peer);
  }

  async remove(peerId: string, reason: string): Promise<void> {
    const remote = this.#remotes.get(peerId);
    if (!remote) return;
    clearTimeout(remote.orphanTimer);
    for (const producer of remote.peer.producers.values()) producer.close();
    await this.#ctx.room.leave(remote.peer, reason);
    this.#remotes.delete(peerId);
  }

  /** Every person `nodeId` serves leaves (the node left the room). */
  async removeAllOf(nodeId: string, reason: string): Promise<void> {
    for (const [peerId, remote] of [...this.#remotes]) if (remote.nodeId === nodeId) await this.remove(peerId, reason);
  }

  /** `nodeId` died: its people wait, as orphans, to resume. */
  orphanAllOf(nodeId: string): void {
    for (const remote of this.#remotes.values()) {
      if (remote.nodeId === nodeId) this.#orphan(remote);
    }
  }

  /** The producers piped in from `nodeId` are gone (its router was rebuilt); its people stay. */
  dropProducersOf(nodeId: string): void {
    for (const remote of this.#remotes.values()) {
      if (remote.nodeId !== nodeId) continue;
      for (const producer of remote.peer.producers.values()) producer.close();
      remote.peer.producers.clear();
    }
  }

  /** People of a dead node that this node never knew (the room lived only there): kept as orphans. */
  async adoptOrphans(records: Map<string, PeerRecord>): Promise<void> {
    for (const [peerId, record] of records) {
      if (this.#ctx.room.peers.has(peerId)) continue;
      const remote: Remote = { peer: this.#remotePeer({ id: peerId, ...record }, record.node), nodeId: null };
      remote.peer.grants = { ...record.grants };
      if (record.identity !== undefined) Object.assign(remote.peer, { identity: record.identity });
      this.#remotes.set(peerId, remote);
      await this.#ctx.room.admit(remote.peer);
      this.#orphan(remote);
    }
  }

  /** An orphan's client resumes on this node: it is remote no more. Null if it is no orphan here. */
  takeOver(peerId: string, digest: string): Peer | null {
    const remote = this.#remotes.get(peerId);
    if (!remote || remote.nodeId !== null) return null;
    clearTimeout(remote.orphanTimer);
    this.#remotes.delete(peerId);
    remote.peer.resumeSecret.restore(digest);
    remote.peer.detach();
    return remote.peer;
  }

  /** The room closed: no orphan timer may fire into it. */
  close(): void {
    for (const remote of this.#remotes.values()) clearTimeout(remote.orphanTimer);
  }

  /** A producer piped in from `nodeId` for one of its people. */
  #producer(nodeId: string, producerId: string) {
    for (const remote of this.#remotes.values()) {
      if (remote.nodeId !== nodeId) continue;
      const producer = remote.peer.producers.get(producerId);
      if (producer) return producer;
    }
    return undefined;
  }

  #remotePeer(info: RemotePeerInfo, nodeId: string): Peer {
    const { room } = this.#ctx;
    const peer = new Peer({
      id: info.id,
      displayName: info.displayName,
      channel: remoteChannel,
      logger: room.logger.child({ peer: info.id, node: nodeId }),
      grants: { ...OPEN_JOIN_GRANTS, moderate: info.moderator === true },
      joinedAt: info.joinedAt,
    });
    peer.muted = { ...info.muted };
    return peer;
  }

  #orphan(remote: Remote): void {
    const { room, directory, resumeGraceMs } = this.#ctx;
    remote.nodeId = null;
    for (const producer of remote.peer.producers.values()) producer.close();
    remote.peer.producers.clear();
    clearTimeout(remote.orphanTimer);
    remote.orphanTimer = setTimeout(() => {
      void this.#ctx.serialized(async () => {
        if (this.#remotes.get(remote.peer.id) !== remote || remote.nodeId !== null) return;
        await this.remove(remote.peer.id, `its node died and it did not resume within ${resumeGraceMs} ms`);
        await directory.remove(room.id, remote.peer.id).catch(() => undefined);
      });
    }, resumeGraceMs);
    remote.orphanTimer.unref();
  }
}
