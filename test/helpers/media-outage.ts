/**
 * How long a remote video tile was frozen or blank after an event (a worker killed, a connection
 * cut), from the frames the page put on screen (window.__shouwang.frameTimes, page clock).
 */
import type { Page } from 'playwright-core';
import { frameTimesOf, pageNow } from './media-path.js';

export { pageNow };

/**
 * From `since` to the frame that ended the longest gap after it, in ms; null while no frame has come
 * after `since` yet. Frames still buffered when the event happened end before the gap starts, so the
 * longest gap is the outage, whatever trickled in just after the event.
 */
export async function outageAfter(page: Page, peerId: string, since: number): Promise<number | null> {
  const times = await frameTimesOf(page, peerId, since - 5000);
  const before = times.filter((at) => at < since).at(-1) ?? since;
  const after = times.filter((at) => at >= since);
  if (after.length === 0) return null;
  let gapEnd = after[0]!;
  let longest = gapEnd - before;
  for (let i = 1; i < after.length; i++) {
    const gap = after[i]! - after[i - 1]!;
    if (gap > longest) {
      longest = gap;
      gapEnd = after[i]!;
    }
  }
  return gapEnd - since;
}

/** Frames `page` showed of `peerId`'s camera since `since` (page clock). */
export async function framesSince(page: Page, peerId: string, since: number): Promise<number> {
  return (await frameTimesOf(page, peerId, since)).length;
}
