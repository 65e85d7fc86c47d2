/**
 * Moves the remote tracks of one peer from one media path to the other, make-before-break: a track is
 * handed to the UI on the new path only once media is seen arriving there (frames decoded for video,
 * packets for audio), while the old path keeps playing. A track that has nothing to wait for (a muted
 * mic, a camera that is off, a video nobody looks at) moves at once.
 *
 * When every track is across, the switch waits a short steady period before it reports done: the
 * caller then tells the other side it may stop the old path, and that must not happen before the UI has
 * put the first new frame on screen.
 */
import type { MediaSource } from '../../../protocol/media.js';

export type MediaPath = 'sfu' | 'p2p';

/** What the switcher needs to know of one remote track. */
export interface SwitchableTrack {
  readonly trackId: string;
  readonly source: MediaSource;
  readonly kind: 'audio' | 'video';
  /** The path the UI shows it from now. */
  shown: MediaPath;
}

export interface SwitchHooks {
  /** The remote tracks to move (read on every step: tracks come and go during a switch). */
  tracks(): SwitchableTrack[];
  /** A counter that rises while media of this track arrives on `path` (null: not available yet). */
  received(track: SwitchableTrack, path: MediaPath): Promise<number | null>;
  /** False when no media is to be expected on `path` for this track (muted, off, not visible). */
  expectsMedia(track: SwitchableTrack, path: MediaPath): boolean;
  /** Shows the track from `path` from now on. */
  show(track: SwitchableTrack, path: MediaPath): void;
  /**
   * Whether the UI has caught up with a track shown from the target since `movedAt` (e.g. a frame of
   * it is on screen). The switch is done only when every track is settled, or has waited SETTLE_CAP_MS.
   */
  settled?(track: SwitchableTrack, movedAt: number): boolean;
  /** Extra condition before `target` counts (e.g. the P2P connection is up). */
  ready?(): boolean;
}

/** How often progress is checked during a switch. */
const STEP_MS = 40;
/**
 * How long everything must have been on the new path before the switch is done (see above). Short:
 * `settled` already waits for a new frame on screen, and every millisecond here is overlap in which
 * both browsers encode and decode both paths (on a busy machine that stalls the picture shown).
 */
export const STEADY_MS = 80;
/**
 * A track whose rendering is never confirmed (no element shows it) stops holding the switch after this.
 * Generous: on a busy machine a visible tile's first frame of the new path was measured to take over 2 s
 * to paint, and releasing the old path before it does leaves that tile frozen on its last frame.
 */
const SETTLE_CAP_MS = 5000;

export interface SwitchOptions {
  /** Give up waiting after this long: show the rest from `target` anyway. */
  capMs?: number;
}

/** One switch in progress. `done` resolves `true` when it completed, `false` when it hit its cap. */
export class PathSwitch {
  readonly target: MediaPath;
  readonly done: Promise<boolean>;
  readonly #hooks: SwitchHooks;
  readonly #capAt: number;
  /** The counter on the target path when the switch first saw the track. */
  readonly #baselines = new Map<string, number>();
  /** When each track was moved to the target, to cap the wait for its rendering. */
  readonly #movedAt = new Map<string, number>();
  #resolve!: (completed: boolean) => void;
  #steadySince: number | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #cancelled = false;

  constructor(target: MediaPath, hooks: SwitchHooks, options: SwitchOptions = {}) {
    this.target = target;
    this.#hooks = hooks;
    this.#capAt = Date.now() + (options.capMs ?? Number.POSITIVE_INFINITY);
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    void this.#step();
  }

  /** Stops without touching what is shown; `done` never resolves. */
  cancel(): void {
    this.#cancelled = true;
    clearTimeout(this.#timer);
  }

  async #step(): Promise<void> {
    if (this.#cancelled) return;
    const capped = Date.now() >= this.#capAt;
    const ready = this.#hooks.ready?.() ?? true;
    let pending = 0;
    for (const track of this.#hooks.tracks()) {
      if (track.shown === this.target) {
        if (!this.#settled(track)) pending++;
        continue;
      }
      if (capped || (ready && (await this.#arrived(track)))) {
        if (this.#cancelled) return;
        // The track may have been shown from the target meanwhile, or removed: show() copes with both.
        this.#hooks.show(track, this.target);
        this.#movedAt.set(track.trackId, Date.now());
        if (!this.#settled(track)) pending++;
      } else {
        pending++;
      }
    }
    if (this.#cancelled) return;
    if (capped) {
      this.#resolve(false);
      return;
    }
    if (pending > 0 || !ready) this.#steadySince = null;
    else this.#steadySince ??= Date.now();
    if (this.#steadySince !== null && Date.now() - this.#steadySince >= STEADY_MS) {
      this.#resolve(true);
      return;
    }
    this.#timer = setTimeout(() => void this.#step(), STEP_MS);
  }

  #settled(track: SwitchableTrack): boolean {
    if (!this.#hooks.settled) return true;
    // Moved before this switch saw it (e.g. shown from P2P on arrival): measure from now.
    let movedAt = this.#movedAt.get(track.trackId);
    if (movedAt === undefined) {
      movedAt = Date.now();
      this.#movedAt.set(track.trackId, movedAt);
    }
    return this.#hooks.settled(track, movedAt) || Date.now() - movedAt >= SETTLE_CAP_MS;
  }

  async #arrived(track: SwitchableTrack): Promise<boolean> {
    if (!this.#hooks.expectsMedia(track, this.target)) return true;
    const count = await this.#hooks.received(track, this.target).catch(() => null);
    if (count === null) return false;
    const baseline = this.#baselines.get(track.trackId);
    if (baseline === undefined) {
      this.#baselines.set(track.trackId, count);
      // On P2P everything is new: anything received at all is media arriving. On the SFU the counters
      // froze when the producer paused and only a rise means it resumed.
      return this.target === 'p2p' && count > 0;
    }
    return count > baseline;
  }
}
