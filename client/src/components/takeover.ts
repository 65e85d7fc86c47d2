/**
 * When a video tile's new track (the other media path, after a switch) may take over from the one on
 * screen. Its first frame is not enough: a stream through the SFU that was just resumed arrives at
 * 5-10 fps for up to ~1.5 s (mediasoup forwards the lowest temporal layer until it has measured the
 * others' bitrate again), and swapping to it at once shows a 100-200 ms stutter the old path did not
 * have. So the new track waits, invisible, until it runs about as smoothly as the one on screen —
 * unless the one on screen stalls (its path is going away, or the device behind it was changed), or
 * the new one has waited long enough: a path that stays slower (a narrower network) must still win.
 */

/** Frame times (ms) a layer keeps for this decision. */
export const KEPT_FRAMES = 8;
/** The new track's last this many frame intervals must be smooth. */
const SMOOTH_INTERVALS = 2;
/** "Smooth": an interval no longer than the shown track's usual one times this, plus SLACK_MS. */
const SLACK_FACTOR = 1.3;
/** Display refresh quantizes frame times (16.7 ms at 60 Hz): allowance for that jitter. */
const SLACK_MS = 20;
/** The shown track counts as stalled after this many of its usual intervals without a frame ... */
const STALL_INTERVALS = 2.5;
/** ... and at least this long. */
const MIN_STALL_MS = 150;
/** After its first frame, the new track takes over at the latest this much later. */
export const MAX_WAIT_MS = 1500;

/** Records a frame time, keeping the last KEPT_FRAMES. */
export function keepFrame(times: number[], at: number): void {
  times.push(at);
  if (times.length > KEPT_FRAMES) times.splice(0, times.length - KEPT_FRAMES);
}

function intervals(times: readonly number[]): number[] {
  return times.slice(1).map((at, index) => at - times[index]!);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Whether the waiting track (`waiting`: its recent frame times) should replace the shown one (`shown`:
 * its recent frame times) at `now`.
 */
export function shouldTakeOver(waiting: readonly number[], shown: readonly number[], now: number): boolean {
  if (waiting.length === 0) return false;
  // The shown track never put a frame up (or too few to know its pace): nothing to protect.
  if (shown.length < 2) return true;
  if (now - waiting[0]! >= MAX_WAIT_MS) return true;
  const usual = median(intervals(shown));
  if (now - shown.at(-1)! > Math.max(MIN_STALL_MS, STALL_INTERVALS * usual)) return true;
  if (waiting.length < SMOOTH_INTERVALS + 1) return false;
  const recent = intervals(waiting.slice(-(SMOOTH_INTERVALS + 1)));
  return Math.max(...recent) <= usual * SLACK_FACTOR + SLACK_MS;
}
