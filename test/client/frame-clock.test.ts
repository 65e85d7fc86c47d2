/**
 * The frame clock counts what the compositor put on screen: frames presented while the page's main
 * thread was busy (frame callbacks skipped them, presentedFrames rose by more than one) count too,
 * placed evenly between the two presented frames around them; a busy main thread is not a frozen picture.
 */
import t from 'tap';
import { frameTimes, presentedSince, recordFrame } from '../../client/src/components/frame-clock.js';

const metadata = (presentedFrames: number, presentationTime: number): Partial<VideoFrameCallbackMetadata> => ({ presentedFrames, presentationTime });

t.test('one frame per callback: its presentation time', async (t) => {
  const first = presentedSince(undefined, 1010, metadata(7, 1000));
  t.same(first.times, [1000], 'the first callback counts the frame it reports');
  const next = presentedSince(first.last, 1060, metadata(8, 1050));
  t.same(next.times, [1050]);
});

t.test('frames presented during a main-thread stall count, spread over the stall', async (t) => {
  const before = presentedSince(undefined, 1000, metadata(10, 1000)).last;
  // 250 ms without a callback; meanwhile the compositor presented 5 frames.
  const after = presentedSince(before, 1260, metadata(15, 1250));
  t.same(after.times, [1050, 1100, 1150, 1200, 1250]);
  t.equal(Math.max(...after.times.map((at, i) => at - (after.times[i - 1] ?? 1000))), 50, 'the longest gap is one frame interval, not the stall');
});

t.test('a real freeze stays a freeze: one frame after a long wait is one frame', async (t) => {
  const before = presentedSince(undefined, 1000, metadata(10, 1000)).last;
  const after = presentedSince(before, 1405, metadata(11, 1400));
  t.same(after.times, [1400], 'a 400 ms gap');
});

t.test('a presentation time after the callback time stands (a busy main thread runs callbacks late); without metadata the callback time counts', async (t) => {
  t.same(presentedSince(undefined, 1000, metadata(1, 1060)).times, [1060]);
  const plain = presentedSince(undefined, 500);
  t.same(plain.times, [500]);
  t.same(presentedSince(plain.last, 550).times, [550]);
});

t.test('a counter that did not rise (or went back) counts one frame', async (t) => {
  const before = presentedSince(undefined, 1000, metadata(10, 1000)).last;
  t.same(presentedSince(before, 1050, metadata(10, 1050)).times, [1050]);
  t.same(presentedSince(before, 1050, metadata(3, 1050)).times, [1050]);
});

t.test('recorded frames stay in time order (a swap paint may come after later presentation times)', async (t) => {
  recordFrame('order:camera', 100);
  recordFrame('order:camera', 180);
  recordFrame('order:camera', 150);
  t.same(frameTimes('order:camera'), [100, 150, 180]);
});
