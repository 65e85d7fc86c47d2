/**
 * One mediasoup worker per core, each with one WebRtcServer (a single UDP and a single TCP port per
 * worker, so a container needs only a handful of ports). A worker that dies is logged loudly and
 * replaced on the same port; whoever placed rooms on it hears `workerDied` and deals with them.
 */
import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { WebRtcServer, Worker, WebRtcServerListenInfo } from 'mediasoup/node/lib/types.js';
import type { FastifyBaseLogger } from 'fastify';

export interface WorkerPoolOptions {
  count: number;
  /** Port of the first worker's WebRtcServer; worker i uses rtcPort + i. 0 lets the OS pick. */
  rtcPort: number;
  listenIp: string;
  announcedIp: string;
  logger: FastifyBaseLogger;
}

/** A live worker and its WebRtcServer. A slot keeps its index (and so its port) across replacements. */
export interface WorkerSlot {
  readonly index: number;
  readonly worker: Worker;
  readonly webRtcServer: WebRtcServer;
}

interface WorkerPoolEvents {
  /** The slot's worker died; its routers are gone. A replacement is being started. */
  workerDied: [slot: WorkerSlot];
  /** A replacement worker is up in the slot. */
  workerReplaced: [slot: WorkerSlot];
}

const RESTART_BACKOFF_MS = [0, 500, 2000, 5000];

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #slots: (WorkerSlot | undefined)[] = [];
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
  }

  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      for (let index = 0; index < options.count; index++) {
        pool.#slots[index] = await pool.#startSlot(index);
      }
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Live slots; a slot whose worker is being replaced is missing for that moment. */
  get slots(): WorkerSlot[] {
    return this.#slots.filter((slot): slot is WorkerSlot => slot !== undefined);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The live slot with the lowest load, as measured by the caller (e.g. peers placed on it). */
  pick(loadOf: (slot: WorkerSlot) => number): WorkerSlot {
    let best: WorkerSlot | undefined;
    let bestLoad = Infinity;
    for (const slot of this.slots) {
      const load = loadOf(slot);
      if (load < bestLoad) {
        best = slot;
        bestLoad = load;
      }
    }
    if (!best) throw new Error('no mediasoup worker is available');
    return best;
  }

  /** Closes every worker and waits until their processes have exited. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pids = this.slots.map((slot) => slot.worker.pid);
    for (const slot of this.slots) slot.worker.close();
    this.#slots.length = 0;
    await Promise.all(pids.map((pid) => waitForExit(pid)));
  }

  async #startSlot(index: number): Promise<WorkerSlot> {
    const { logger, rtcPort, listenIp, announcedIp } = this.#options;
    const worker = await mediasoup.createWorker({
      logLevel: 'warn',
      logTags: ['info', 'ice', 'dtls', 'rtp', 'srtp', 'rtcp'],
    });
    const port = rtcPort === 0 ? undefined : rtcPort + index;
    const listenInfos: WebRtcServerListenInfo[] = (['udp', 'tcp'] as const).map((protocol) => ({
      protocol,
      ip: listenIp,
      announcedIp,
      ...(port === undefined ? {} : { port }),
    }));
    let webRtcServer: WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({ listenInfos });
    } catch (error) {
      worker.close();
      throw new Error(`worker ${index}: cannot listen for media on ${listenIp}:${port ?? 'any'} (${String(error)})`);
    }
    const slot: WorkerSlot = { index, worker, webRtcServer };
    worker.on('died', (error) => this.#onDied(slot, error));
    logger.info({ worker: index, pid: worker.pid, port: port ?? 'random', announcedIp }, 'mediasoup worker started');
    return slot;
  }

  #onDied(slot: WorkerSlot, error: Error): void {
    if (this.#closed) return;
    this.#options.logger.error({ worker: slot.index, pid: slot.worker.pid, err: error }, 'mediasoup worker DIED; replacing it');
    this.#slots[slot.index] = undefined;
    this.emit('workerDied', slot);
    void this.#replace(slot.index);
  }

  async #replace(index: number): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      const delay = RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)] ?? 5000;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.#closed) return;
      try {
        const slot = await this.#startSlot(index);
        if (this.#closed) {
          slot.worker.close();
          return;
        }
        this.#slots[index] = slot;
        this.emit('workerReplaced', slot);
        return;
      } catch (error) {
        this.#options.logger.error({ worker: index, attempt, err: error }, 'replacing mediasoup worker failed; retrying');
      }
    }
  }
}

/** Resolves once the process is gone (or after a timeout, so shutdown can never hang on it). */
async function waitForExit(pid: number | undefined, timeoutMs = 3000): Promise<void> {
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
