/**
 * When a mediasoup worker dies, its rooms must not die with it. The pool starts a replacement; this
 * moves each affected room to the least-loaded live worker (the replacement, or another one that was
 * alive all along) and the room tells its clients to set their media up again. Only if no worker comes
 * back in time is a room closed, with ROOM_CLOSED, so its clients can rejoin later.
 */
import { once } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { CLOSE_CODES } from '../../protocol/errors.js';
import type { WorkerPool, WorkerSlot } from '../media/worker-pool.js';
import type { Room } from './room.js';

export interface WorkerRecoveryOptions {
  pool: WorkerPool;
  /** The rooms that lived on a worker (read when it dies). */
  roomsOn: (slot: WorkerSlot) => Room[];
  /** Load measure for placing a rebuilt room. */
  loadOf: (slot: WorkerSlot) => number;
  logger: FastifyBaseLogger;
  /** How long to wait for a live worker before giving the rooms up. */
  timeoutMs?: number;
}

/** The outcome of one worker death, for logs, metrics and tests. */
export interface RecoveryReport {
  workerIndex: number;
  rebuilt: number;
  closed: number;
  /** From the death being noticed to the last room rebuilt. */
  durationMs: number;
}

export class WorkerRecovery {
  readonly #options: WorkerRecoveryOptions;
  /** Every recovery so far, newest last (a handful over a server's life; kept for inspection). */
  readonly reports: RecoveryReport[] = [];
  readonly #listeners = new Set<(report: RecoveryReport) => void>();

  constructor(options: WorkerRecoveryOptions) {
    this.#options = options;
    options.pool.on('workerDied', (slot) => void this.#recover(slot));
  }

  /** Called after each worker death has been dealt with. Returns the unsubscribe function. */
  onRecovered(listener: (report: RecoveryReport) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #recover(dead: WorkerSlot): Promise<void> {
    const { logger } = this.#options;
    const started = performance.now();
    const rooms = this.#options.roomsOn(dead).filter((room) => !room.closed);
    let rebuilt = 0;
    let closed = 0;
    // One room at a time: each rebuild changes the load, so the next room may go to another worker.
    for (const room of rooms) {
      if (room.closed) continue;
      try {
        const slot = await this.#liveSlot();
        await room.rebuild(slot);
        rebuilt++;
      } catch (error) {
        closed++;
        logger.error({ err: error, room: room.id }, 'could not rebuild room after its worker died; closing it');
        room.close({ code: CLOSE_CODES.ROOM_CLOSED, message: 'media server restarted; please rejoin' });
      }
    }
    const report: RecoveryReport = {
      workerIndex: dead.index,
      rebuilt,
      closed,
      durationMs: Math.round(performance.now() - started),
    };
    this.reports.push(report);
    if (this.reports.length > 100) this.reports.shift();
    logger.warn(report, 'rooms of the dead worker recovered');
    for (const listener of this.#listeners) {
      try {
        listener(report);
      } catch (error) {
        logger.error({ err: error }, 'recovery listener failed');
      }
    }
  }

  /** The least-loaded live worker; waits for a replacement when none is alive. */
  async #liveSlot(): Promise<WorkerSlot> {
    const { pool, loadOf, timeoutMs = 30_000 } = this.#options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (pool.closed) throw new Error('the worker pool is closed');
      const live = pool.slots.filter((slot) => !slot.worker.died && !slot.worker.closed);
      if (live.length > 0) return pool.pick((slot) => (live.includes(slot) ? loadOf(slot) : Infinity));
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mediasoup worker came back within ${timeoutMs} ms`);
      await once(pool, 'workerReplaced', { signal: AbortSignal.timeout(left) }).catch(() => undefined);
    }
  }
}
