/**
 * When each remote video tile put a new frame on screen (the compositor's presentation times, from
 * requestVideoFrameCallback, in performance.now() milliseconds). The longest interval between two
 * frames is the freeze a person would have seen; the end-to-end tests and the P2P switch benchmark read
 * it through window.__shouwang.
 */

/** About three minutes at 20 fps: enough for a benchmark run; older frames are dropped. */
const MAX_FRAMES = 4000;

const clocks = new Map<string, number[]>();

/** The last frame a video element's frame callback reported as presented. */
export interface Presented {
  /** The element's presentedFrames counter. */
  count: number;
  at: number;
}

/**
 * The times of the frames a video element presented since its previous frame callback (`previous`),
 * and what to pass as `previous` next time.
 *
 * Chromium composites video off the main thread: while the page's main thread is busy (a loaded
 * machine, the work of a media path switch), frames keep reaching the screen, but frame callbacks wait
 * for the main thread and skip them — presentedFrames then rises by more than one. Measured in the P2P
 * switch bench: a 245 ms main-thread stall with no callback, after which presentedFrames had risen by 6
 * while the decoder delivered its steady 20 fps throughout. Counting callback times alone would call
 * that a 245 ms freeze nobody saw. The skipped frames' own times are not exposed, so they are placed
 * evenly between the previous presented frame and this one (the pace they arrived at).
 */
export function presentedSince(previous: Presented | undefined, now: number, metadata?: Partial<VideoFrameCallbackMetadata>): { times: number[]; last: Presented } {
  const count = metadata?.presentedFrames;
  // Not clamped to `now`: under a busy main thread the callback's time is the frame's begin time,
  // which can be older than presentations the compositor made meanwhile (traced: up to 130 ms).
  const at = metadata?.presentationTime ?? now;
  if (count === undefined) return { times: [now], last: { count: previous ? previous.count + 1 : 1, at: now } };
  const last = { count, at };
  const skipped = previous ? count - previous.count - 1 : 0;
  if (!previous || skipped <= 0 || at <= previous.at) return { times: [at], last };
  const step = (at - previous.at) / (skipped + 1);
  return { times: Array.from({ length: skipped + 1 }, (_, index) => previous.at + step * (index + 1)), last };
}

/** Records a frame shown by the tile `key` (e.g. `<peerId>:camera`). */
export function recordFrame(key: string, at: number): void {
  let times = clocks.get(key);
  if (!times) {
    times = [];
    clocks.set(key, times);
  }
  // Presentation times and the paint of a swap come from different clocks' moments: keep the order.
  let index = times.length;
  while (index > 0 && times[index - 1]! > at) index--;
  times.splice(index, 0, at);
  if (times.length > MAX_FRAMES) times.splice(0, times.length - MAX_FRAMES);
}

/** Frame times of tile `key` at or after `since`. */
export function frameTimes(key: string, since = 0): number[] {
  return (clocks.get(key) ?? []).filter((at) => at >= since);
}

const swaps = new Map<string, number[]>();

/** Records that tile `key` switched to a new track (its first frame of it went on screen). */
export function recordSwap(key: string, at: number): void {
  const times = swaps.get(key) ?? [];
  times.push(at);
  if (times.length > 200) times.shift();
  swaps.set(key, times);
}

/** When tile `key` switched tracks, at or after `since`. */
export function swapTimes(key: string, since = 0): number[] {
  return (swaps.get(key) ?? []).filter((at) => at >= since);
}
