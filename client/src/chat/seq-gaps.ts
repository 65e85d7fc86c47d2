/**
 * Noticing messages that went missing: the server numbers every message of a room (`seq`), and each
 * peer receives every one of them by some server path. A number skipped for a moment is normal (copies
 * on two paths cross); one still skipped after a short wait was lost, and history must fill it in.
 */
export class SeqGaps {
  /** Every number up to this one has been seen (or is known to be beyond recovery). */
  #caughtUpTo = 0;
  readonly #ahead = new Set<number>();

  get caughtUpTo(): number {
    return this.#caughtUpTo;
  }

  /** Whether some number below the highest seen is still missing. */
  get hasGap(): boolean {
    return this.#ahead.size > 0;
  }

  /** Records a number seen; returns true when it leaves a gap behind it. */
  note(seq: number): boolean {
    if (seq <= this.#caughtUpTo) return false;
    if (seq !== this.#caughtUpTo + 1) {
      this.#ahead.add(seq);
      return true;
    }
    this.#caughtUpTo = seq;
    this.#advance();
    return false;
  }

  /** History up to `latestSeq` has been merged: nothing up to there is missing any more. */
  caughtUp(latestSeq: number): void {
    if (latestSeq > this.#caughtUpTo) this.#caughtUpTo = latestSeq;
    for (const seq of this.#ahead) if (seq <= this.#caughtUpTo) this.#ahead.delete(seq);
    this.#advance();
  }

  #advance(): void {
    while (this.#ahead.delete(this.#caughtUpTo + 1)) this.#caughtUpTo++;
  }
}
