/**
 * How much CPU this node uses, in cores: the Node process plus its mediasoup workers (where the media
 * work is). Sampled once per heartbeat, so placement can steer new rooms away from a node that is busy
 * even if it holds few people (screen shares and large simulcast layers cost more than a head count).
 */
import type { WorkerPool } from '../media/worker-pool.js';

export class LoadMeter {
  readonly #pool: WorkerPool;
  #lastWallMs = performance.now();
  #lastCpuMs = 0;
  #cores = 0;

  constructor(pool: WorkerPool) {
    this.#pool = pool;
  }

  /** The last sample, in cores. */
  get cores(): number {
    return this.#cores;
  }

  async sample(): Promise<number> {
    const usage = process.cpuUsage();
    let cpuMs = (usage.user + usage.system) / 1000;
    for (const slot of this.#pool.slots) {
      if (slot.worker.died || slot.worker.closed) continue;
      const worker = await slot.worker.getResourceUsage().catch(() => null);
      // ru_utime and ru_stime are in milliseconds.
      if (worker) cpuMs += worker.ru_utime + worker.ru_stime;
    }
    const now = performance.now();
    const elapsed = now - this.#lastWallMs;
    // A worker replaced since the last sample restarts its counter: skip that one sample.
    if (this.#lastCpuMs > 0 && cpuMs >= this.#lastCpuMs && elapsed > 0) this.#cores = Math.round(((cpuMs - this.#lastCpuMs) / elapsed) * 100) / 100;
    this.#lastCpuMs = cpuMs;
    this.#lastWallMs = now;
    return this.#cores;
  }
}
