/**
 * One room as this node serves it when the room may span several nodes. The room's people here are
 * "local"; people on other nodes are Peers here too ("remote", span-remotes.ts: no client on this node,
 * a channel that sends nowhere), whose producers arrive through a PipeLink (span-pipes.ts). So the Room
 * needs no idea of nodes: its people see remote people join, leave, mute and speak (the active speaker
 * observer hears their piped microphones), and consume their media like anyone else's.
 *
 * Every message about this room is handled in order, one at a time (pipe setup awaits mediasoup).
 */
import PQueue from 'p-queue';
import type { FastifyBaseLogger } from 'fastify';
import type { Peer } from '../rooms/peer.js';
import type { Room } from '../rooms/room.js';
import type { ClusterMessage, ClusterMessageBody } from './messages.js';
import type { PeerDirectory, PeerRecord } from './peer-directory.js';
import type { PipedProducer } from './pipe-link.js';
import type { RoomPlacement } from './placement.js';
import { SpanModeration } from './span-moderation.js';
import { SpanPipes } from './span-pipes.js';
import { SpanRemotes } from './span-remotes.js';

/** How long a new part of a room waits for the other nodes' people before its first join goes on. */
const GREETING_WAIT_MS = 1500;

/**
 * A part of a room with nobody of its own (a newcomer refused at the door, a knocker who gave up) is
 * closed when found so at two checks in a row: it would otherwise hold a router and pipes for nothing.
 */
const UNUSED_CHECK_MS = 15_000;

export interface SpanContext {
  nodeId: string;
  send(to: string, roomId: string, body: ClusterMessageBody): Promise<void>;
  placement: RoomPlacement;
  directory: PeerDirectory;
  pipeListen: { ip: string; announcedIp: string };
  /** How long a peer of a dead node is kept for its client to resume somewhere. */
  resumeGraceMs: number;
  logger: FastifyBaseLogger;
  /** This node's load changed (a local join or leave). */
  loadChanged(): void;
  /** Whether Redis answers now; while not, the room is served alone (and re-registered later). */
  redisReady(): boolean;
  /** Whether the node was alive at this node's last heartbeat (a span in Redis may name dead ones). */
  isLive(nodeId: string): boolean;
}

export class RoomSpan {
  readonly room: Room;
  readonly #ctx: SpanContext;
  readonly #logger: FastifyBaseLogger;
  readonly #remotes: SpanRemotes;
  /** Other nodes serving this room. */
  readonly #nodes = new Set<string>();
  readonly #pipes: SpanPipes;
  readonly #moderation: SpanModeration;
  readonly #unusedCheck: NodeJS.Timeout;
  #unusedBefore = false;
  readonly #queue = new PQueue({ concurrency: 1 });
  /** Nodes greeted at start that have not answered yet. */
  readonly #awaitingHello = new Map<string, () => void>();
  #ready: Promise<void> = Promise.resolve();
  #closed = false;
  /** Nodes of this room reported lost (`nodeBack` starts over with one that turns out alive). */
  readonly #lostNodes = new Set<string>();
  /** This node is shutting down and its people move to other nodes (`handOver`). */
  #handingOver = false;

  constructor(room: Room, ctx: SpanContext) {
    this.room = room;
    this.#ctx = ctx;
    this.#logger = room.logger.child({ component: 'span' });
    this.#remotes = new SpanRemotes({
      room,
      directory: ctx.directory,
      resumeGraceMs: ctx.resumeGraceMs,
      serialized: (task) => this.#serialized(task),
    });
    this.#pipes = new SpanPipes({
      room,
      nodeId: ctx.nodeId,
      pipeListen: ctx.pipeListen,
      send: (to, body) => this.#send(to, body),
      localProducers: () => this.localPeers().flatMap((peer) => [...peer.producers.values()]),
      serialized: (task) => this.#serialized(task),
      logger: this.#logger,
    });
    this.#moderation = new SpanModeration({
      room,
      placement: ctx.placement,
      broadcast: (body) => this.#broadcast(body),
      send: (to, body) => ctx.send(to, room.id, body),
      nodeOf: (peerId) => this.#remotes.nodeOf(peerId),
      redisReady: ctx.redisReady,
      logger: this.#logger,
    });
    this.#unusedCheck = setInterval(() => this.#guard(() => this.#closeIfUnused()), UNUSED_CHECK_MS);
    this.#unusedCheck.unref();
    room.on('peerJoined', (peer) => this.#guard(() => this.#onLocalJoined(peer)));
    room.on('peerLeft', (peer) => this.#guard(() => this.#onPeerLeft(peer)));
    room.on('produced', (peer, producer) =>
      this.#guard(() => {
        if (!this.#remotes.has(peer.id)) this.#pipes.pipeToAll(producer);
      }),
    );
    room.on('peerMuted', (peer, source, muted) =>
      this.#guard(() => {
        if (!this.#remotes.has(peer.id)) this.#broadcast({ type: 'peerMuted', peerId: peer.id, source, muted });
      }),
    );
    room.on('rebuilt', () => this.#guard(() => this.#onRouterRebuilt()));
    // Chat of local people goes to the other nodes; theirs arrives as `chat` messages.
    room.chat.onPosted((message) => {
      if (this.#remotes.has(message.sender)) return;
      const { seq: _seq, sender, senderName, timestamp, ...outgoing } = message;
      this.#broadcast({ type: 'chat', senderId: sender, senderName, timestamp, message: outgoing });
    });
    room.once('close', () => this.#guard(() => this.#onClose()));
  }

  /**
   * Finds the other nodes of the room (from Redis) and greets them: they answer with their people.
   * Resolves when they all answered, or after GREETING_WAIT_MS (a node may be dead and not know it).
   */
  start(): Promise<void> {
    this.#ready = this.#serialized(async () => {
      if (!this.#ctx.redisReady()) return [];
      await this.#moderation.load();
      const nodes = await this.#ctx.placement.spanOf(this.room.id).catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'cannot read the room span from redis; serving it alone for now');
        return [] as string[];
      });
      const answers = nodes.map((nodeId) => new Promise<void>((resolve) => this.#awaitingHello.set(nodeId, resolve)));
      for (const nodeId of nodes) this.#greet(nodeId, true);
      return answers;
    }).then((answers) => {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, GREETING_WAIT_MS).unref());
      return Promise.race([Promise.all(answers).then(() => undefined), timeout]);
    });
    return this.#ready;
  }

  /** Settles once the other nodes told who they have, so a newcomer here sees everyone at once. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The peers whose client is on this node. */
  localPeers(): Peer[] {
    return [...this.room.peers.values()].filter((peer) => !this.#remotes.has(peer.id));
  }

  isRemote(peerId: string): boolean {
    return this.#remotes.has(peerId);
  }

  /** Whether the peer is an orphan here (its node died) that a client may now resume on this node. */
  isOrphan(peerId: string): boolean {
    return this.#remotes.isOrphan(peerId);
  }

  /** The other nodes this room spans, for tests and metrics. */
  get nodes(): string[] {
    return [...this.#nodes];
  }

  get linkCount(): number {
    return this.#pipes.connected;
  }

  handle(message: ClusterMessage): Promise<void> {
    return this.#serialized(() => this.#handle(message));
  }

  /**
   * Redis is back (maybe empty after a restart): records this node's part of the room again and greets
   * every node serving it. A part started while Redis was away greeted nobody (two parts of one room,
   * unaware of each other): the greeting joins them. Known nodes get our people again, in case a
   * message to them was dropped while Redis was away.
   */
  resync(): Promise<void> {
    return this.#serialized(async () => {
      if (this.#closed) return;
      const others = await this.#ctx.placement.claim(this.room.id, this.localPeers().length);
      for (const nodeId of this.#nodes) this.#greet(nodeId, false);
      this.#greetUnknown(others);
    });
  }

  /**
   * This node is shutting down while other nodes live: its part of the room is given up without a
   * goodbye. The other nodes keep our people (they move there by `resume`, as after a node loss), Redis
   * keeps their records for that, and the room's placement passes on now rather than at TTL expiry.
   */
  async handOver(): Promise<void> {
    this.#handingOver = true;
    await this.#ctx.placement.release(this.room.id).catch((error: unknown) => this.#logger.warn({ err: error }, 'cannot release room placement'));
  }

  /** A node died: its pipe closes (its producers with it) and its people wait, as orphans, to resume. */
  nodeLost(nodeId: string): Promise<void> {
    return this.#serialized(() => {
      if (this.#nodes.delete(nodeId)) this.#lostNodes.add(nodeId);
      this.#pipes.close(nodeId);
      this.#moderation.nodeGone(nodeId);
      this.#remotes.orphanAllOf(nodeId);
    });
  }

  /**
   * The safety net behind `resync` and the greetings on `claim` (cluster.ts runs it every few
   * heartbeats): a live node that Redis lists in this room's span and that this part never heard from
   * is greeted. Whatever race kept two parts of a room apart (who re-registered first after a Redis
   * restart, a greeting dropped after its deadline), they find each other here.
   */
  reconcile(): Promise<void> {
    return this.#serialized(async () => {
      if (this.#closed || this.#handingOver || !this.#ctx.redisReady()) return;
      this.#greetUnknown(await this.#ctx.placement.spanOf(this.room.id).catch(() => []));
    });
  }

  /**
   * A node taken for dead writes its record again: it was alive all along (starved of CPU, cut off from
   * Redis past the TTL) and may serve this room still, counting on a pipe we closed and on people we
   * hold as orphans. Only the pipe starts over, as after a router rebuild (`repipe`): its people here
   * are adopted back by its answer to our `hello`, and each side pipes its producers into the new
   * pipe. Nobody on either node sees anyone leave. A node that does not serve the room (or restarted
   * empty) ignores the messages.
   */
  nodeBack(nodeId: string): Promise<void> {
    return this.#serialized(async () => {
      if (!this.#lostNodes.delete(nodeId) || this.#closed || this.#handingOver) return;
      this.#pipes.close(nodeId);
      void this.#send(nodeId, { type: 'repipe' });
      this.#greet(nodeId, true);
      await this.#pipes.ensure(nodeId);
    });
  }

  /** People of a dead node that this node never knew (the room lived only there): kept as orphans. */
  adoptOrphans(records: Map<string, PeerRecord>): Promise<void> {
    return this.#serialized(() => this.#remotes.adoptOrphans(records));
  }

  /**
   * An orphan's client resumes here: it becomes local (the caller then runs `room.resume`), and the
   * other nodes learn where it is now.
   */
  takeOver(peerId: string, digest: string): Promise<Peer | null> {
    return this.#serialized(() => {
      const peer = this.#remotes.takeOver(peerId, digest);
      if (!peer) return null;
      this.#broadcast({ type: 'peerMoved', peer: peer.info() });
      this.#claim();
      return peer;
    });
  }

  async #handle(message: ClusterMessage): Promise<void> {
    if (this.#closed) return;
    const from = message.from;
    switch (message.type) {
      case 'hello': {
        const isNew = !this.#nodes.has(from);
        this.#nodes.add(from);
        for (const info of message.peers) await this.#remotes.admit(info, from);
        this.#moderation.greeted(from, message);
        this.#awaitingHello.get(from)?.();
        this.#awaitingHello.delete(from);
        if (message.reply || isNew) this.#greet(from, false);
        await this.#pipes.ensure(from);
        return;
      }
      case 'peerJoined':
        this.#nodes.add(from);
        await this.#remotes.admit(message.peer, from);
        return;
      case 'peerMoved':
        // Someone resumed on the sender after their node died: an orphan here is the sender's from now on.
        this.#nodes.add(from);
        await this.#remotes.admit(message.peer, from);
        await this.#pipes.ensure(from);
        return;
      case 'peerLeft':
      case 'peerMuted':
      case 'chat':
      case 'producerClosed':
      case 'producerPaused':
      case 'producerResumed':
        await this.#remotes.handle(message);
        return;
      case 'repipe':
        // The sender's router was rebuilt (its worker died): our pipe to it leads nowhere. Its people
        // stay; their producers come through the new pipe once their clients produce again.
        this.#pipes.close(from);
        this.#remotes.dropProducersOf(from);
        await this.#pipes.ensure(from);
        return;
      case 'bye':
        this.#nodes.delete(from);
        this.#pipes.close(from);
        this.#moderation.nodeGone(from);
        await this.#remotes.removeAllOf(from, 'its node left the room');
        return;
      case 'pipeOffer':
        await this.#pipes.answer(from, message);
        return;
      case 'pipeAnswer':
        await this.#pipes.answered(from, message);
        return;
      case 'producer': {
        // Only the node that serves a person may produce for it.
        const peer = this.#remotes.servedBy(message.peerId, from);
        if (!peer || peer.producers.has(message.producerId)) return;
        const { type: _type, from: _from, to: _to, roomId: _room, at: _at, ...piped } = message;
        const producer = await this.#pipes.pipeIn(from, piped as PipedProducer);
        if (producer) await this.room.addProducer(peer, producer);
        else this.#logger.warn({ node: from, peer: message.peerId }, 'piped producer without a pipe to its node; ignored');
        return;
      }
      case 'access':
      case 'lobby':
      case 'knockAnswer':
      case 'moderate':
        await this.#moderation.handle(message);
        return;
    }
  }

  #greet(nodeId: string, reply: boolean): void {
    this.#nodes.add(nodeId);
    void this.#send(nodeId, { type: 'hello', peers: this.localPeers().map((peer) => peer.info()), reply, ...this.#moderation.greeting() });
  }

  #onLocalJoined(peer: Peer): void {
    this.#broadcast({ type: 'peerJoined', peer: peer.info() });
    this.#claim();
  }

  #onPeerLeft(peer: Peer): void {
    // Handing over: the peer goes on elsewhere; its record must stay for that.
    if (this.#remotes.has(peer.id) || this.#handingOver) return;
    this.#broadcast({ type: 'peerLeft', peerId: peer.id });
    void this.#ctx.directory.remove(this.room.id, peer.id).catch(() => undefined);
    // Remote people alone do not keep a node's part of the room open: their own nodes serve them.
    if (!this.room.closed && this.localPeers().length === 0) this.room.close();
    else this.#claim();
  }

  #onRouterRebuilt(): void {
    // The pipes died with the old router, and what came through them (Room.rebuild reset every peer's
    // media, remote ones too). Only the pipes start over: everyone stays in the room on every node.
    this.#pipes.closeAll();
    for (const nodeId of this.#nodes) {
      void this.#send(nodeId, { type: 'repipe' });
      void this.#serialized(() => this.#pipes.ensure(nodeId));
    }
  }

  #closeIfUnused(): void {
    const unused = !this.room.closed && this.localPeers().length === 0 && this.room.access.idle && !this.#remotes.hasOrphans;
    if (unused && this.#unusedBefore) {
      this.#logger.info('closing a part of the room that nobody here uses');
      this.room.close();
    }
    this.#unusedBefore = unused;
  }

  #onClose(): void {
    this.#closed = true;
    clearInterval(this.#unusedCheck);
    this.#remotes.close();
    this.#pipes.closeAll();
    // Handing over, our people move on: a `bye` would make the others drop them.
    if (this.#handingOver) return;
    this.#broadcast({ type: 'bye' });
    this.#ctx.placement.release(this.room.id).catch((error: unknown) => this.#logger.warn({ err: error }, 'cannot release room placement'));
    this.#ctx.loadChanged();
  }

  #claim(): void {
    const count = this.localPeers().length;
    this.#ctx.placement
      .claim(this.room.id, count)
      .then((others) => this.#greetUnknown(others))
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'cannot record room placement'));
    this.#ctx.loadChanged();
  }

  /**
   * Live nodes serving the room that this part never heard from: a part started while placement could
   * not be asked (Redis away or too slow) is a room of its own until they greet each other.
   */
  #greetUnknown(nodeIds: string[]): void {
    if (this.#closed) return;
    for (const nodeId of nodeIds) if (!this.#nodes.has(nodeId) && this.#ctx.isLive(nodeId)) this.#greet(nodeId, true);
  }

  #broadcast(body: ClusterMessageBody): void {
    for (const nodeId of this.#nodes) void this.#send(nodeId, body);
  }

  #send(to: string, body: ClusterMessageBody): Promise<void> {
    return this.#ctx.send(to, this.room.id, body).catch((error: unknown) => {
      this.#logger.warn({ err: error, to, type: body.type }, 'cannot reach the other node (redis down?)');
    });
  }

  #serialized<T>(task: () => T | Promise<T>): Promise<T> {
    return this.#queue.add(task) as Promise<T>;
  }

  /** A listener must never throw into the Room that emits. */
  #guard(task: () => void): void {
    try {
      task();
    } catch (error) {
      this.#logger.error({ err: error }, 'room span failed to follow the room');
    }
  }
}
