/**
 * Decides, for one room, when its two people go peer-to-peer and when they come back to the SFU. Pure
 * logic: it takes events (membership, readiness, the browsers' reports, its own timers firing) and
 * returns commands (tell the pair to start/activate/stop/close, set or clear a timer). The coordinator
 * (p2p-coordinator.ts) does the I/O; the unit tests drive this directly.
 *
 * The phases of the room's one possible P2P session:
 *
 *   idle ──2 ready peers──▶ connecting ──both `receiving`──▶ active
 *    ▲ ▲                      │  (timeout, `failed`,           │ (third joins, `failed`)
 *    │ └─delay─ waiting       │   third joins)                 ▼
 *    │                        └──────────────────────────▶ stopping ──both `released` (or timeout)──▶ idle
 *    └── a peer of the session leaves: close at once ◀── (from any phase)
 *
 * - "ready" means the server has seen a DTLS-connected transport of that peer: the SFU path works.
 *   P2P is tried only then, so a broken server setup shows up with two people, not at three.
 * - Back to two after someone left: wait `switchBackDelayMs` first (a reload is a leave and a join).
 * - A pair whose P2P failed (or never connected) stays on the SFU and tries again later: after
 *   `retryAfterFailureMs`, doubling with each failure up to MAX_RETRY_MS (networks change: a laptop
 *   moves to another Wi-Fi, a VPN goes down). A change of membership starts over at once; 0 never
 *   retries the same pair until membership changes.
 */
import type { P2PEndReason, P2PReportEvent } from '../../protocol/p2p.js';

export type P2PPhase = 'idle' | 'waiting' | 'connecting' | 'active' | 'stopping';
export type TimerName = 'switch-back' | 'connect' | 'release' | 'retry';

/** The longest wait between two P2P attempts of a pair that keeps failing. */
export const MAX_RETRY_MS = 10 * 60_000;

export interface ModeMachineOptions {
  enabled: boolean;
  switchBackDelayMs: number;
  connectTimeoutMs: number;
  /** How long `stopping` waits for both `released` before closing anyway. */
  releaseTimeoutMs: number;
  /** First wait before a failed pair tries P2P again (doubles per failure); 0: not until membership changes. */
  retryAfterFailureMs?: number;
  newSessionId: () => string;
}

export type ModeInput =
  | { type: 'joined'; peerId: string }
  | { type: 'left'; peerId: string }
  | { type: 'ready'; peerId: string }
  /** The peer's client came back on a new signaling connection; it may have missed commands. */
  | { type: 'resumed'; peerId: string }
  | { type: 'report'; peerId: string; sessionId: string; event: P2PReportEvent; reason?: string }
  | { type: 'timer'; name: TimerName; token: number };

export type ModeCommand =
  | { type: 'start'; sessionId: string; offerer: string; answerer: string }
  | { type: 'activate'; sessionId: string; peers: string[] }
  | { type: 'stop'; sessionId: string; peers: string[]; reason: P2PEndReason; detail?: string }
  /** `peers`: who is still here to be told (a peer that left is not). */
  | { type: 'close'; sessionId: string; peers: string[]; reason: P2PEndReason }
  /** Replaces any timer of that name; its firing comes back as a `timer` input with `token`. */
  | { type: 'setTimer'; name: TimerName; ms: number; token: number }
  | { type: 'clearTimer'; name: TimerName };

export interface ModeResult {
  commands: ModeCommand[];
  /** False for a report about a session that is not (or no longer) this peer's. */
  accepted: boolean;
}

interface Session {
  id: string;
  offerer: string;
  answerer: string;
  receiving: Set<string>;
  released: Set<string>;
}

export class ModeMachine {
  readonly #options: ModeMachineOptions;
  /** In join order. */
  readonly #members: string[] = [];
  readonly #ready = new Set<string>();
  readonly #timerTokens = new Map<TimerName, number>();
  #nextToken = 1;
  #phase: P2PPhase = 'idle';
  #session: Session | null = null;
  /** `a|b` of a pair whose P2P failed; cleared when membership changes. */
  #failedPair: string | null = null;
  /** Failures of that pair in a row: the next retry waits 2^(failures-1) x retryAfterFailureMs. */
  #failures = 0;
  /**
   * Someone left (or a session just ended) since the last join: the next start waits for the
   * switch-back delay even if the pair becomes eligible later, e.g. when the remaining peer's SFU
   * path is proven only after the leave.
   */
  #afterLeave = false;
  #commands: ModeCommand[] = [];

  constructor(options: ModeMachineOptions) {
    this.#options = options;
  }

  get phase(): P2PPhase {
    return this.#phase;
  }

  get sessionId(): string | null {
    return this.#session?.id ?? null;
  }

  /** True while `peerId` is one of the two peers of session `sessionId` (signals may be relayed). */
  isPaired(peerId: string, sessionId: string): boolean {
    const session = this.#session;
    return session !== null && session.id === sessionId && (session.offerer === peerId || session.answerer === peerId);
  }

  /** The other peer of the session `peerId` is in, if any. */
  partnerOf(peerId: string): string | null {
    const session = this.#session;
    if (!session) return null;
    if (session.offerer === peerId) return session.answerer;
    if (session.answerer === peerId) return session.offerer;
    return null;
  }

  handle(input: ModeInput): ModeResult {
    this.#commands = [];
    let accepted = true;
    switch (input.type) {
      case 'joined':
        this.#onJoined(input.peerId);
        break;
      case 'left':
        this.#onLeft(input.peerId);
        break;
      case 'ready':
        if (this.#members.includes(input.peerId) && !this.#ready.has(input.peerId)) {
          this.#ready.add(input.peerId);
          this.#evaluate({ delayed: false });
        }
        break;
      case 'resumed':
        this.#onResumed(input.peerId);
        break;
      case 'report':
        accepted = this.#onReport(input);
        break;
      case 'timer':
        this.#onTimer(input.name, input.token);
        break;
    }
    return { commands: this.#commands, accepted };
  }

  #onJoined(peerId: string): void {
    if (this.#members.includes(peerId)) return;
    this.#members.push(peerId);
    this.#forgetFailures();
    this.#afterLeave = false;
    if (this.#phase === 'connecting' || this.#phase === 'active') this.#stop('participant-joined');
    this.#evaluate({ delayed: false });
  }

  #onLeft(peerId: string): void {
    const index = this.#members.indexOf(peerId);
    if (index < 0) return;
    this.#members.splice(index, 1);
    this.#ready.delete(peerId);
    this.#forgetFailures();
    this.#afterLeave = true;
    const partner = this.partnerOf(peerId);
    if (partner !== null) {
      // Nothing to hand over to: the other browser goes back to the SFU at once.
      this.#close('peer-left', this.#members.includes(partner) ? [partner] : [], { reevaluate: false });
    }
    this.#evaluate({ delayed: true });
  }

  #onResumed(peerId: string): void {
    const session = this.#session;
    if (!session || this.partnerOf(peerId) === null) return;
    if (this.#phase === 'connecting' || this.#phase === 'active') {
      this.#stop('reconnected');
    } else if (this.#phase === 'stopping' && !session.released.has(peerId)) {
      // It may have missed the stop; hearing it twice is harmless.
      this.#commands.push({ type: 'stop', sessionId: session.id, peers: [peerId], reason: 'reconnected' });
    }
  }

  #onReport(report: Extract<ModeInput, { type: 'report' }>): boolean {
    const session = this.#session;
    if (!session || !this.isPaired(report.peerId, report.sessionId)) return false;
    switch (report.event) {
      case 'receiving':
        if (this.#phase !== 'connecting') return true;
        session.receiving.add(report.peerId);
        if (session.receiving.size === 2) {
          this.#phase = 'active';
          this.#clearTimer('connect');
          this.#commands.push({ type: 'activate', sessionId: session.id, peers: [session.offerer, session.answerer] });
        }
        return true;
      case 'failed':
        if (this.#phase !== 'connecting' && this.#phase !== 'active') return true;
        this.#failed(session);
        this.#stop('failed', report.reason);
        return true;
      case 'released':
        if (this.#phase !== 'stopping') return true;
        session.released.add(report.peerId);
        if (session.released.size === 2) this.#close('released', [session.offerer, session.answerer]);
        return true;
    }
  }

  #onTimer(name: TimerName, token: number): void {
    // A timer replaced or cleared while its firing was on its way is stale.
    if (this.#timerTokens.get(name) !== token) return;
    this.#timerTokens.delete(name);
    const session = this.#session;
    if (name === 'switch-back' && this.#phase === 'waiting') {
      this.#phase = 'idle';
      if (this.#eligible()) this.#start();
    } else if (name === 'connect' && this.#phase === 'connecting' && session) {
      this.#failed(session);
      this.#stop('connect-timeout');
    } else if (name === 'retry' && this.#failedPair !== null) {
      // The pair may try again (the count stays: failing again waits longer). It has been on the SFU
      // for the whole wait, so no switch-back delay on top.
      this.#failedPair = null;
      this.#afterLeave = false;
      this.#evaluate({ delayed: false });
    } else if (name === 'release' && this.#phase === 'stopping' && session) {
      this.#close('release-timeout', [session.offerer, session.answerer].filter((id) => this.#members.includes(id)));
    }
  }

  /** Starts, schedules or cancels a session when the room may (or may no longer) go P2P. */
  #evaluate({ delayed }: { delayed: boolean }): void {
    if (this.#phase !== 'idle' && this.#phase !== 'waiting') return;
    if (!this.#eligible()) {
      if (this.#phase === 'waiting') {
        this.#clearTimer('switch-back');
        this.#phase = 'idle';
      }
      return;
    }
    if (this.#phase === 'waiting') return; // already counting down
    if ((delayed || this.#afterLeave) && this.#options.switchBackDelayMs > 0) {
      this.#phase = 'waiting';
      this.#setTimer('switch-back', this.#options.switchBackDelayMs);
      return;
    }
    this.#start();
  }

  #eligible(): boolean {
    const [a, b] = this.#members;
    return (
      this.#options.enabled &&
      this.#members.length === 2 &&
      a !== undefined &&
      b !== undefined &&
      this.#ready.has(a) &&
      this.#ready.has(b) &&
      this.#failedPair !== pairKey(a, b)
    );
  }

  #start(): void {
    const [a, b] = this.#members as [string, string];
    // The lower id offers: both sides can tell without asking, and they never offer at once.
    const [offerer, answerer] = a < b ? [a, b] : [b, a];
    const session: Session = { id: this.#options.newSessionId(), offerer, answerer, receiving: new Set(), released: new Set() };
    this.#afterLeave = false;
    this.#session = session;
    this.#phase = 'connecting';
    this.#commands.push({ type: 'start', sessionId: session.id, offerer, answerer });
    this.#setTimer('connect', this.#options.connectTimeoutMs);
  }

  #stop(reason: P2PEndReason, detail?: string): void {
    const session = this.#session;
    if (!session) return;
    this.#phase = 'stopping';
    this.#clearTimer('connect');
    this.#setTimer('release', this.#options.releaseTimeoutMs);
    this.#commands.push({
      type: 'stop',
      sessionId: session.id,
      peers: [session.offerer, session.answerer],
      reason,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  #close(reason: P2PEndReason, tell: string[], { reevaluate = true } = {}): void {
    const session = this.#session;
    if (!session) return;
    this.#session = null;
    this.#phase = 'idle';
    this.#clearTimer('connect');
    this.#clearTimer('release');
    this.#commands.push({ type: 'close', sessionId: session.id, peers: tell, reason });
    this.#afterLeave = true;
    // Back to the SFU after a switch: going P2P again right away would only churn.
    if (reevaluate) this.#evaluate({ delayed: true });
  }

  #failed(session: Session): void {
    this.#failedPair = pairKey(session.offerer, session.answerer);
    this.#failures++;
    const base = this.#options.retryAfterFailureMs ?? 0;
    if (base > 0) this.#setTimer('retry', Math.min(MAX_RETRY_MS, base * 2 ** (this.#failures - 1)));
  }

  /** Membership changed: whoever is paired next starts with a clean slate. */
  #forgetFailures(): void {
    this.#failedPair = null;
    this.#failures = 0;
    this.#clearTimer('retry');
  }

  #setTimer(name: TimerName, ms: number): void {
    const token = this.#nextToken++;
    this.#timerTokens.set(name, token);
    this.#commands.push({ type: 'setTimer', name, ms, token });
  }

  #clearTimer(name: TimerName): void {
    if (!this.#timerTokens.delete(name)) return;
    this.#commands.push({ type: 'clearTimer', name });
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
