/**
 * Which nodes are alive, where browsers reach them, and how loaded they are. Each node writes its own
 * record with a TTL on every heartbeat; a node that stops (crash, kill -9, network cut) simply stops
 * renewing it, and Redis forgets it after NODE_TTL_MS: no node has to decide that another one died.
 * Every node reads the list each heartbeat and reports the nodes that vanished (`onLost`).
 */
import type { FastifyBaseLogger } from 'fastify';
import { MAX_RECONNECT_DELAY_MS, type Redis } from './redis.js';

export interface NodeLoad {
  /** People connected to this node (all rooms). */
  peers: number;
  rooms: number;
  /** CPU used by the node and its media workers, in cores (0.5 = half a core), over the last beat. */
  cpu: number;
}

export interface NodeRecord extends NodeLoad {
  id: string;
  /** The signaling URL browsers use for this node. */
  url: string;
  at: number;
}

const NODES_KEY = 'sw:nodes';
const nodeKey = (id: string): string => `sw:node:${id}:record`;

/** Whether a node is past NODE_CPU_LIMIT (0: no limit). */
export function isBusy(node: NodeRecord, cpuLimit: number): boolean {
  return cpuLimit > 0 && node.cpu > cpuLimit;
}

/** Least loaded first: people, then rooms; a node past the CPU limit goes last whatever its count. */
export function byLoad(cpuLimit: number): (a: NodeRecord, b: NodeRecord) => number {
  return (a, b) => Number(isBusy(a, cpuLimit)) - Number(isBusy(b, cpuLimit)) || a.peers - b.peers || a.rooms - b.rooms || a.id.localeCompare(b.id);
}

export class NodeRegistry {
  readonly #redis: Redis;
  readonly #self: { id: string; url: string };
  readonly #heartbeatMs: number;
  readonly #ttlMs: number;
  readonly #load: () => NodeLoad;
  readonly #logger: FastifyBaseLogger;
  readonly #lostListeners = new Set<(nodeId: string) => void>();
  readonly #backListeners = new Set<(nodeId: string) => void>();
  /**
   * Nodes reported lost. One that writes its record again was alive all along (starved of CPU, cut off
   * from Redis past the TTL) or restarted: reported back (`onBack`).
   */
  readonly #lost = new Set<string>();
  /** Nodes seen alive at the last successful read. */
  #known = new Map<string, NodeRecord>();
  /** Nodes missing at one read: lost only if still missing at the next (absorbs a Redis restart). */
  #missingOnce = new Set<string>();
  /**
   * No node is declared lost before this time. After Redis comes back (maybe empty), each node
   * reconnects on its own schedule (up to MAX_RECONNECT_DELAY_MS apart) and writes its record again:
   * until all had the chance, a missing record proves nothing.
   */
  #quietUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Heartbeats failing in a row: said once when it starts and once when it ends, not every beat. */
  #failing = false;

  constructor(options: { redis: Redis; self: { id: string; url: string }; heartbeatMs: number; ttlMs: number; load: () => NodeLoad; logger: FastifyBaseLogger }) {
    this.#redis = options.redis;
    this.#self = options.self;
    this.#heartbeatMs = options.heartbeatMs;
    this.#ttlMs = options.ttlMs;
    this.#load = options.load;
    this.#logger = options.logger;
    this.#redis.on('ready', () => (this.#quietUntil = Date.now() + this.#ttlMs + MAX_RECONNECT_DELAY_MS + this.#heartbeatMs));
  }

  async start(): Promise<void> {
    await this.#beat();
    this.#timer = setInterval(() => void this.#tick(), this.#heartbeatMs);
    this.#timer.unref();
  }

  /** The nodes alive at the last heartbeat, this one included. */
  get known(): NodeRecord[] {
    return [...this.#known.values()];
  }

  onLost(listener: (nodeId: string) => void): () => void {
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  onBack(listener: (nodeId: string) => void): () => void {
    this.#backListeners.add(listener);
    return () => this.#backListeners.delete(listener);
  }

  /** Publishes this node's load now (a join or leave), rather than at the next heartbeat. */
  beatSoon(): void {
    if (this.#soon || this.#stopped) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#beat().catch(() => undefined);
    }, 20);
    this.#soon.unref();
  }

  /**
   * The nodes to place rooms on: those alive now, and right after Redis came back also those alive
   * before that have not written their record again yet (they may just reconnect later than this one;
   * treating them as dead would move their rooms while their calls run).
   */
  async candidates(): Promise<NodeRecord[]> {
    const live = await this.live();
    if (Date.now() >= this.#quietUntil) return live;
    const ids = new Set(live.map((record) => record.id));
    return [...live, ...[...this.#known.values()].filter((record) => !ids.has(record.id))];
  }

  /** Every node whose record has not expired, read from Redis now. */
  async live(): Promise<NodeRecord[]> {
    const ids = await this.#redis.smembers(NODES_KEY);
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(ids.map(nodeKey));
    const records: NodeRecord[] = [];
    const gone: string[] = [];
    ids.forEach((id, index) => {
      const value = values[index];
      if (value) records.push(JSON.parse(value) as NodeRecord);
      else gone.push(id);
    });
    // Expired records leave their id in the set: tidy up so the set does not grow forever.
    if (gone.length > 0) await this.#redis.srem(NODES_KEY, ...gone).catch(() => undefined);
    return records;
  }

  /** Whether a node's record is still alive. */
  async isAlive(nodeId: string): Promise<boolean> {
    return (await this.#redis.exists(nodeKey(nodeId))) === 1;
  }

  /** Leaves the cluster on a clean shutdown: the others need not wait for the TTL. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    await this.#redis.multi().del(nodeKey(this.#self.id)).srem(NODES_KEY, this.#self.id).exec().catch(() => undefined);
  }

  async #beat(): Promise<void> {
    if (this.#stopped) return;
    const record: NodeRecord = { ...this.#self, ...this.#load(), at: Date.now() };
    await this.#redis.multi().set(nodeKey(this.#self.id), JSON.stringify(record), 'PX', this.#ttlMs).sadd(NODES_KEY, this.#self.id).exec();
  }

  async #tick(): Promise<void> {
    try {
      await this.#beat();
      const live = await this.live();
      if (this.#failing) this.#logger.info('heartbeats go through again');
      this.#failing = false;
      this.#noticeLost(live);
    } catch (error) {
      // Redis is away: keep what we knew; nobody is declared dead on missing information. Past the
      // TTL, the others take this node for dead: that is worth a line in the log.
      if (!this.#failing) this.#logger.warn({ err: error }, 'heartbeat failed (retrying every beat)');
      this.#failing = true;
    }
  }

  #noticeLost(live: NodeRecord[]): void {
    for (const record of live) {
      if (!this.#lost.delete(record.id)) continue;
      this.#logger.warn({ node: record.id }, 'a node taken for lost is back');
      this.#emit(this.#backListeners, record.id);
    }
    const now = new Map(live.map((record) => [record.id, record]));
    // Our own record missing means Redis lost its data (restart): everyone's will be back in one beat.
    if (!now.has(this.#self.id) || Date.now() < this.#quietUntil) {
      for (const [id, record] of this.#known) if (!now.has(id)) now.set(id, record);
      this.#known = now;
      return;
    }
    for (const id of this.#known.keys()) {
      if (now.has(id) || id === this.#self.id) continue;
      if (!this.#missingOnce.has(id)) {
        this.#missingOnce.add(id);
        now.set(id, this.#known.get(id)!);
        continue;
      }
      this.#missingOnce.delete(id);
      this.#lost.add(id);
      this.#logger.warn({ node: id }, 'node lost (heartbeat expired)');
      this.#emit(this.#lostListeners, id);
    }
    for (const id of now.keys()) if (live.some((record) => record.id === id)) this.#missingOnce.delete(id);
    this.#known = now;
  }

  #emit(listeners: Set<(nodeId: string) => void>, nodeId: string): void {
    for (const listener of listeners) {
      try {
        listener(nodeId);
      } catch (error) {
        this.#logger.error({ err: error }, 'node registry listener failed');
      }
    }
  }
}
