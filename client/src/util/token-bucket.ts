/**
 * A token bucket: `burst` at once, refilled at `perSecond`. The client paces itself with the limits
 * the server enforces (the server's own bucket is server/signaling/rate-limiter.ts).
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #last: number;

  constructor(options: { burst: number; perSecond: number }, now = Date.now()) {
    this.#burst = options.burst;
    this.#perMs = options.perSecond / 1000;
    this.#tokens = options.burst;
    this.#last = now;
  }

  /** Takes one token if there is one. */
  take(now = Date.now()): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
