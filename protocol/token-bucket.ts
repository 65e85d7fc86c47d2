/**
 * A token bucket: `burst` messages at once, refilled at `perSecond`. Shared by both sides: the server
 * checks one per connection before any parsing work, and the client paces itself with the same limits
 * the server enforces. Plain TypeScript, no dependencies, so it may go into the browser bundle.
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
