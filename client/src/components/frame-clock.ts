/**
 * When each remote video tile last put a new frame on screen (requestVideoFrameCallback times, in
 * performance.now() milliseconds). The longest interval between two frames is the freeze a person
 * would have seen; the end-to-end tests and the P2P switch benchmark read it through window.__shouwang.
 */

/** About three minutes at 20 fps: enough for a benchmark run; older frames are dropped. */
const MAX_FRAMES = 4000;

const clocks = new Map<string, number[]>();

/** Records a frame shown by the tile `key` (e.g. `<peerId>:camera`). */
export function recordFrame(key: string, at: number): void {
  let times = clocks.get(key);
  if (!times) {
    times = [];
    clocks.set(key, times);
  }
  times.push(at);
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
