/**
 * The freeze a person sees on a remote tile between two moments: the longest interval between frames
 * the tile put on screen (client frame clock), and whether a track swap (the tile moving to the other
 * path) falls inside that interval, to tell a handover gap from a stall of one path.
 */
import { frameTimesOf, swapTimesOf, type Person } from '../../test/helpers/media-path.js';

export interface FrameGap {
  ms: number;
  /** The longest gap contains the moment the tile swapped tracks. */
  atSwap: boolean;
  /** Where the gap starts relative to the tile's swap (ms; negative: before it, on the old path). Null: no swap. */
  fromSwapMs: number | null;
  /** Where the longest gap starts and ends (page clock). */
  start: number;
  end: number;
}

export async function longestGapBetween(person: Person, other: Person, from: number, to: number): Promise<FrameGap> {
  const times = (await frameTimesOf(person.page, other.peerId, from)).filter((at) => at <= to);
  const swaps = (await swapTimesOf(person.page, other.peerId, from)).filter((at) => at <= to);
  // The window's ends bound the first and last gaps; no frame at all means the tile froze throughout.
  const points = [from, ...times, to];
  let worst = { ms: Number.POSITIVE_INFINITY, start: from, end: to };
  if (points.length >= 2) {
    worst = { ms: 0, start: from, end: from };
    for (let i = 1; i < points.length; i++) {
      const ms = points[i]! - points[i - 1]!;
      if (ms > worst.ms) worst = { ms, start: points[i - 1]!, end: points[i]! };
    }
  }
  const swap = swaps.at(-1);
  return {
    ms: worst.ms,
    atSwap: swaps.some((at) => at >= worst.start && at <= worst.end),
    fromSwapMs: swap === undefined ? null : worst.start - swap,
    start: worst.start,
    end: worst.end,
  };
}
