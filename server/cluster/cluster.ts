/**
 * This node's part in a cluster coordinated through Redis: it registers itself with its load, places
 * rooms (answering MOVED for a room served elsewhere), keeps a RoomSpan for each of its rooms, carries
 * node-to-node messages, and takes over the people of a node that died when their clients resume here.
 * Without REDIS_URL none of this exists and the server is the single node it always was.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ClusterConfig } from '../config.js';
import type { WorkerPool } from '../media/worker-pool.js';
import type { Peer } from '../rooms/peer.js';
import type { Room } from '../rooms/room.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { RequestError } from '../signaling/errors.js';
import { LoadMeter } from './load-meter.js';
import type { ClusterMessage } from './messages.js';
import { NodeRegistry, byLoad, isBusy, type NodeRecord } from './node-registry.js';
import { PeerDirectory } from './peer-directory.js';
import { RoomPlacement } from './placement.js';
import { connectRedis, type Redis } from './redis.js';
import { RoomSpan } from './room-span.js';
import { SignedBus } from './signed-bus.js';

export interface ClusterOptions {
  config: ClusterConfig;
  nodeUrl: string;
  rooms: RoomRegistry;
  pool: WorkerPool;
  rtcListenIp: string;
  resumeGraceMs: number;
  logger: FastifyBaseLogger;
}

/** Every this many heartbeats each room checks Redis for parts of it on nodes it never heard from. */
const RECONCILE_BEATS = 3;

/** The same answer for an unknown peer and a wrong token (as the single-node `resume`). */
const NO_SESSION = 'no session to resume (it ended, or the token is not valid)';

export class Cluster {
  readonly nodeId: string;
  readonly nodeUrl: string;
  readonly registry: NodeRegistry;
  readonly bus: SignedBus;
  readonly placement: RoomPlacement;
  readonly directory: PeerDirectory;
  /** This node's rooms, each with its view of the other nodes serving it. */
  readonly spans = new Map<string, RoomSpan>();
  readonly #options: ClusterOptions;
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #meter: LoadMeter;
  readonly #logger: FastifyBaseLogger;
  #redisWasDown = false;

  private constructor(options: ClusterOptions) {
    this.#options = options;
    this.nodeId = options.config.nodeId;
    this.nodeUrl = options.nodeUrl;
    this.#logger = options.logger;
    this.#redis = connectRedis(options.config.redisUrl, this.#logger, 'commands');
    this.#sub = connectRedis(options.config.redisUrl, this.#logger, 'subscriber');
    this.#meter = new LoadMeter(options.pool);
    this.bus = new SignedBus({ nodeId: this.nodeId, secret: options.config.secret, pub: this.#redis, sub: this.#sub, logger: this.#logger });
    this.placement = new RoomPlacement(this.#redis, this.nodeId, options.config.roomPeersPerNode);
    this.directory = new PeerDirectory(this.#redis);
    this.registry = new NodeRegistry({
      redis: this.#redis,
      self: { id: this.nodeId, url: this.nodeUrl },
      heartbeatMs: options.config.heartbeatMs,
      ttlMs: options.config.ttlMs,
      load: () => this.#load(),
      logger: this.#logger,
    });
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    options.rooms.onRoomCreated((room) => cluster.#follow(room));
    cluster.registry.onLost((nodeId) => cluster.#nodeLost(nodeId));
    cluster.registry.onBack((nodeId) => {
      for (const span of cluster.spans.values()) void span.nodeBack(nodeId);
    });
    // 'close', not 'error': a connection dropped and re-made between two reconnect attempts emits no
    // error, and a node that missed a Redis restart that way never wrote its rooms and people again.
    cluster.#redis.on('close', () => (cluster.#redisWasDown = true));
    cluster.#redis.on('ready', () => {
      if (cluster.#redisWasDown) void cluster.#resync();
      cluster.#redisWasDown = false;
    });
    // Redis may be down at start: the node serves alone and joins the cluster once Redis answers.
    await cluster.bus.start((message) => cluster.#receive(message)).catch((error: unknown) => {
      cluster.#logger.warn({ err: error }, 'cannot subscribe to the cluster channel yet');
    });
    await cluster.registry.start().catch((error: unknown) => cluster.#logger.warn({ err: error }, 'first heartbeat failed'));
    const meter = setInterval(() => void cluster.#meter.sample(), options.config.heartbeatMs);
    meter.unref();
    const reconcile = setInterval(() => {
      for (const span of cluster.spans.values()) void span.reconcile();
    }, RECONCILE_BEATS * options.config.heartbeatMs);
    reconcile.unref();
    cluster.#stopMeter = () => {
      clearInterval(meter);
      clearInterval(reconcile);
    };
    cluster.#logger.info({ node: cluster.nodeId, url: cluster.nodeUrl }, 'joined the cluster');
    return cluster;
  }

  #stopMeter: () => void = () => {};

  /**
   * The node a newcomer to `roomId` must go to, if not this one (a `MOVED` answer). When Redis cannot
   * be asked, this node serves the room itself: a degraded cluster still lets people meet.
   */
  async redirectForJoin(roomId: string): Promise<string | undefined> {
    // Known to be away: do not make the join wait for a command timeout.
    if (!this.redisReady) return undefined;
    let live: NodeRecord[];
    let chosen: string | null;
    try {
      live = (await this.registry.candidates()).sort(byLoad(this.#options.config.cpuLimit));
      chosen = await this.#place(roomId, live);
    } catch (error) {
      this.#logger.warn({ err: error, room: roomId }, 'room placement unavailable (redis); serving the room here');
      return undefined;
    }
    if (!chosen || chosen === this.nodeId) return undefined;
    return live.find((node) => node.id === chosen)?.url;
  }

  /** Whether the connection to Redis is up now (commands would otherwise wait for their timeout). */
  get redisReady(): boolean {
    return this.#redis.status === 'ready';
  }

  /** Waits (briefly) until this node knows who the room's other nodes hold, before someone joins here. */
  async roomReady(room: Room): Promise<void> {
    const span = this.spans.get(room.id);
    if (span?.room === room) await span.ready;
  }

  /** For /healthz: this node, the nodes it sees alive, and its pipes to them. */
  status(): { node: string; nodes: string[]; rooms: number; pipes: number } {
    let pipes = 0;
    for (const span of this.spans.values()) pipes += span.linkCount;
    return { node: this.nodeId, nodes: this.registry.known.map((node) => node.id).sort(), rooms: this.spans.size, pipes };
  }

  /** The signaling URLs of the other live nodes (the join answer's `nodeUrls`). */
  otherNodeUrls(): string[] {
    return this.registry.known.filter((node) => node.id !== this.nodeId).map((node) => node.url);
  }

  /** Whether the peer is in the room here only as another node's (or a dead node's) peer. */
  isRemote(room: Room, peerId: string): boolean {
    return this.spans.get(room.id)?.room === room && this.spans.get(room.id)!.isRemote(peerId);
  }

  /**
   * Records the peer's current resume token (digest) and node, so that another node can take it over
   * if this one dies. Best effort: without Redis the call goes on, only that protection is missing.
   */
  async peerEntered(room: Room, peer: Peer): Promise<void> {
    // Written again when Redis is back (#resync).
    if (!this.redisReady) return;
    await this.directory.save(room.id, this.nodeId, peer).catch((error: unknown) => {
      peer.logger.warn({ err: error }, 'cannot record the peer in redis (it cannot move nodes until it does)');
    });
  }

  /**
   * A client resumes a session this node does not hold: its node died (take it over here, or send it
   * to the node the room now lives on) or is alive (send it back there).
   */
  async takeOverForResume(roomId: string, peerId: string, resumeToken: string): Promise<{ room: Room; peer: Peer }> {
    const record = await this.directory.get(roomId, peerId).catch(() => {
      throw new RequestError('INVALID_STATE', 'the cluster cannot be asked right now; try again');
    });
    if (!record || !digestMatches(resumeToken, record.digest)) throw new RequestError('NOT_FOUND', NO_SESSION);
    const live = (await this.registry.live()).sort(byLoad(this.#options.config.cpuLimit));
    const home = live.find((node) => node.id === record.node);
    if (home && home.id !== this.nodeId) throw new RequestError('MOVED', 'this session lives on another node', home.url);
    const chosen = await this.#place(roomId, live);
    if (chosen && chosen !== this.nodeId) {
      const url = live.find((node) => node.id === chosen)?.url;
      if (url) throw new RequestError('MOVED', 'this room now lives on another node', url);
    }
    const room = await this.#options.rooms.getOrCreate(roomId);
    const span = this.spans.get(roomId);
    if (!span || span.room !== room) throw new RequestError('INVALID_STATE', 'the room is being set up; try again');
    // A part of the room new on this node first hears who the other nodes hold.
    await span.ready;
    // Its node's record expired; this node's own heartbeat may not have noticed yet.
    if (record.node !== this.nodeId) await span.nodeLost(record.node);
    if (!span.isOrphan(peerId)) {
      // The room lived only on the dead node: everyone of it waits here for their clients.
      const liveIds = new Set(live.map((node) => node.id));
      const all = await this.directory.all(roomId);
      const orphans = new Map([...all].filter(([id, other]) => id === peerId || !liveIds.has(other.node) || other.node === record.node));
      await span.adoptOrphans(orphans);
    }
    const peer = await span.takeOver(peerId, record.digest);
    if (!peer) throw new RequestError('NOT_FOUND', NO_SESSION);
    this.#logger.info({ room: roomId, peer: peerId, from: record.node }, 'took over a peer of a lost node');
    return { room, peer };
  }

  #place(roomId: string, liveByLoad: NodeRecord[]): Promise<string | null> {
    const busy = liveByLoad.filter((node) => isBusy(node, this.#options.config.cpuLimit)).map((node) => node.id);
    return this.placement.place(roomId, liveByLoad.map((node) => node.id), busy);
  }

  /**
   * Stopping (SIGTERM) while another node lives: leave the node list, so that no room or newcomer is
   * placed here and a session recorded here may be taken over elsewhere at once, and hand every room
   * over. Returns whether it did: the caller then closes the sockets with MOVING and the clients
   * resume on the other nodes instead of waiting for this node's heartbeat to expire. False (nothing
   * done) when no other node is alive or Redis cannot be asked.
   */
  async drain(): Promise<boolean> {
    if (!this.redisReady) return false;
    const others = (await this.registry.live().catch(() => [])).filter((node) => node.id !== this.nodeId);
    if (others.length === 0) return false;
    await this.registry.stop();
    await Promise.all([...this.spans.values()].map((span) => span.handOver()));
    this.#logger.info({ rooms: this.spans.size, nodes: others.map((node) => node.id) }, 'draining: sessions move to the other nodes');
    return true;
  }

  async close(): Promise<void> {
    this.#stopMeter();
    this.bus.close();
    await this.registry.stop();
    this.#redis.disconnect();
    this.#sub.disconnect();
  }

  #follow(room: Room): void {
    const span = new RoomSpan(room, {
      nodeId: this.nodeId,
      send: (to, roomId, body) => this.bus.send(to, roomId, body),
      placement: this.placement,
      directory: this.directory,
      pipeListen: { ip: this.#options.rtcListenIp, announcedIp: this.#options.config.pipeIp },
      resumeGraceMs: this.#options.resumeGraceMs,
      logger: this.#logger,
      loadChanged: () => this.registry.beatSoon(),
      redisReady: () => this.redisReady,
      isLive: (nodeId) => this.registry.known.some((node) => node.id === nodeId),
    });
    this.spans.set(room.id, span);
    room.once('close', () => {
      if (this.spans.get(room.id) === span) this.spans.delete(room.id);
    });
    void span.start();
  }

  #receive(message: ClusterMessage): void {
    const span = this.spans.get(message.roomId);
    // A room this node does not serve (any more): the sender learns from Redis soon enough.
    if (!span || span.closed) return;
    void span.handle(message).catch((error: unknown) => this.#logger.error({ err: error, type: message.type, room: message.roomId }, 'cluster message failed'));
  }

  #nodeLost(nodeId: string): void {
    this.bus.forget(nodeId);
    for (const span of this.spans.values()) void span.nodeLost(nodeId);
  }

  /** Redis came back (maybe empty, after a restart): write again what this node holds. */
  async #resync(): Promise<void> {
    this.#logger.info({ rooms: this.spans.size }, 'redis is back; re-registering rooms and peers');
    for (const span of this.spans.values()) {
      await span.resync().catch((error: unknown) => this.#logger.warn({ err: error, room: span.room.id }, 'cannot re-register the room'));
      for (const peer of span.localPeers()) await this.peerEntered(span.room, peer);
    }
    this.registry.beatSoon();
  }

  #load(): { peers: number; rooms: number; cpu: number } {
    let peers = 0;
    for (const span of this.spans.values()) peers += span.localPeers().length;
    return { peers, rooms: this.spans.size, cpu: this.#meter.cores };
  }
}

function digestMatches(token: string, digestHex: string): boolean {
  const actual = createHash('sha256').update(token, 'utf8').digest();
  const expected = Buffer.from(digestHex, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
