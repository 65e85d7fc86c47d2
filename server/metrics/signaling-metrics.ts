/**
 * What signaling requests cost: every request counted by method and outcome, and `join` timed from the
 * request's arrival to its answer (token check, room creation, entry checks). dispatch reports to it.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface RequestObserver {
  /** `outcome`: `ok`, or the error code the client got. */
  requestDone(method: string, seconds: number, outcome: string): void;
}

export class SignalingMetrics implements RequestObserver {
  readonly #requests: Counter<'method' | 'outcome'>;
  readonly #joinDuration: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.#requests = new Counter({
      name: 'shouwang_signaling_requests_total',
      help: 'Signaling requests answered, by method and outcome (ok or the error code).',
      labelNames: ['method', 'outcome'],
      registers: [registry],
    });
    this.#joinDuration = new Histogram({
      name: 'shouwang_join_duration_seconds',
      help: 'Time from a join request to its answer, by outcome (ok or the error code).',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  requestDone(method: string, seconds: number, outcome: string): void {
    // Only known methods get here (dispatch answers unknown ones before), so labels stay bounded.
    this.#requests.inc({ method, outcome });
    if (method === 'join') this.#joinDuration.observe({ outcome }, seconds);
  }
}
