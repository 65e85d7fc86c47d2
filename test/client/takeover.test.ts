/**
 * The rule a video tile uses to swap to a new track (after a media path switch): not at its first
 * frame while it still stutters, but once it runs about as smoothly as the track on screen — or at
 * once when the track on screen stalls, and at the latest MAX_WAIT_MS after the new track's first frame.
 */
import t from 'tap';
import { KEPT_FRAMES, MAX_WAIT_MS, keepFrame, shouldTakeOver } from '../../client/src/components/takeover.js';

/** Frame times every `interval` ms from `from`, `count` of them. */
const frames = (from: number, interval: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i * interval);

const shown20fps = frames(0, 50, 8); // last frame at 350

t.test('a new track at the same pace takes over after a few smooth frames, not at its first', async (t) => {
  t.notOk(shouldTakeOver([360], shown20fps, 360), 'first frame alone: keeps waiting');
  t.notOk(shouldTakeOver([360, 410], shown20fps, 410), 'one interval: keeps waiting');
  t.ok(shouldTakeOver([360, 410, 460], shown20fps, 460), 'two intervals as smooth as the shown track: takes over');
});

t.test('a resumed SFU stream at a low temporal layer (5 or 10 fps) waits until it runs at full rate', async (t) => {
  const shown = frames(0, 50, 8);
  t.notOk(shouldTakeOver(frames(360, 200, 3), [...shown.slice(0, 7), 760 - 50], 760), '5 fps: waits');
  const shownLater = frames(600, 50, 8); // the P2P track keeps playing meanwhile
  t.notOk(shouldTakeOver([900, 1000, 1100], shownLater, 1100), '10 fps: waits');
  t.ok(shouldTakeOver([1000, 1100, 1150, 1200], frames(850, 50, 8), 1200), 'back to 20 fps: takes over');
});

t.test('display refresh jitter (intervals of 50 and 67 ms at 20 fps) does not hold the swap', async (t) => {
  const shown = [0, 50, 117, 167, 217, 283, 333, 383];
  t.ok(shouldTakeOver([400, 467, 517], shown, 517));
});

t.test('the shown track stalls (its path is going away, its device changed): swap at once', async (t) => {
  const shown = frames(0, 50, 8); // last frame at 350
  t.notOk(shouldTakeOver([400], shown, 400), '50 ms after its last frame the shown track is just between frames');
  t.ok(shouldTakeOver([520], shown, 520), '170 ms after its last frame: stalled, the new track is better than a frozen one');
  const slowShown = frames(0, 100, 8); // 10 fps on screen, last frame at 700
  t.notOk(shouldTakeOver([880], slowShown, 880), 'a 10 fps track 180 ms after its last frame is not stalled yet');
  t.ok(shouldTakeOver([960], slowShown, 960), '260 ms is: 2.5 of its intervals');
});

t.test('a new track that stays slower still takes over once it waited MAX_WAIT_MS', async (t) => {
  const waiting = frames(1000, 100, 8);
  const shown = frames(1500 + MAX_WAIT_MS - 350, 50, 8);
  t.notOk(shouldTakeOver(waiting.slice(0, 5), shown, 1400), 'within the wait: no');
  t.ok(shouldTakeOver([1000, ...frames(1000 + MAX_WAIT_MS - 200, 100, 3)], shown, 1000 + MAX_WAIT_MS), 'at the cap: yes');
});

t.test('nothing on screen yet, or no frame of the new track: the obvious answers', async (t) => {
  t.ok(shouldTakeOver([10], [], 10), 'the shown track never rendered: the first frame of the new one shows');
  t.ok(shouldTakeOver([10], [5], 10), 'one frame is no pace to protect');
  t.notOk(shouldTakeOver([], shown20fps, 400), 'no frame of the new track: no swap');
});

t.test('keepFrame keeps the newest KEPT_FRAMES times', async (t) => {
  const times: number[] = [];
  for (let i = 0; i < KEPT_FRAMES + 5; i++) keepFrame(times, i);
  t.same(times, frames(5, 1, KEPT_FRAMES));
});
