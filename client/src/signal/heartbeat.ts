/**
 * Noticing a dead socket. Browsers answer the server's WebSocket pings without telling the page, and a
 * connection that silently stopped carrying data (Wi-Fi gone, laptop asleep, NAT forgot it) stays
 * "open" for minutes. So the client asks itself: after a quiet spell it sends a `ping` request, and if
 * nothing at all arrives for a while after that, the socket is dead.
 */

export interface HeartbeatOptions {
  /** Send a ping after this long without hearing from the server. */
  pingIntervalMs: number;
  /** A ping unanswered (nothing heard since it was sent) for this long means the socket is dead. */
  pongTimeoutMs: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatOptions = { pingIntervalMs: 5000, pongTimeoutMs: 10_000 };

export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #ping: () => void;
  readonly #dead: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastHeard = Date.now();
  #pingSentAt: number | undefined;

  constructor(options: HeartbeatOptions, callbacks: { ping: () => void; dead: () => void }) {
    this.#options = options;
    this.#ping = callbacks.ping;
    this.#dead = callbacks.dead;
  }

  /** Starts (or restarts, e.g. on a new socket) watching. */
  start(): void {
    this.stop();
    this.#lastHeard = Date.now();
    this.#pingSentAt = undefined;
    const every = Math.max(50, Math.min(1000, this.#options.pingIntervalMs / 2));
    this.#timer = setInterval(() => this.#check(), every);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Something arrived from the server: the socket works. */
  heard(): void {
    this.#lastHeard = Date.now();
    this.#pingSentAt = undefined;
  }

  /** Checks now instead of waiting for the next tick (e.g. the browser says it is back online). */
  probe(): void {
    if (this.#timer === undefined) return;
    if (this.#pingSentAt === undefined) this.#sendPing(Date.now());
  }

  #check(): void {
    const now = Date.now();
    // Judged from the ping, not from the silence alone: a background tab whose timers were throttled
    // has been "silent" only because it did not ask; its ping still gets the full time to be answered.
    if (this.#pingSentAt !== undefined) {
      if (now - this.#pingSentAt >= this.#options.pongTimeoutMs) {
        this.stop();
        this.#dead();
      }
      return;
    }
    if (now - this.#lastHeard >= this.#options.pingIntervalMs) this.#sendPing(now);
  }

  #sendPing(now: number): void {
    this.#pingSentAt = now;
    this.#ping();
  }
}
