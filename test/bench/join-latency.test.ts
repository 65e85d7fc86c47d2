/**
 * The join latency benchmark's smallest step (one timed join into a 3-person SFU room, one into a
 * P2P pair), so it cannot rot unnoticed: the page's marks come out in the order a join goes through,
 * and the first frame is seen. No timing is asserted. On the test network (helpers/network-call.ts),
 * as the benchmark runs: the P2P pair must not pair over the machine's addresses.
 */
import t from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import { serveEveryServerOn, testNetworkOrSkipFile } from '../helpers/network-call.js';
import { runScenario } from '../../bench/join/join-scenarios.js';

const network = testNetworkOrSkipFile(t);
serveEveryServerOn(network);

t.test('one timed join per room kind yields a complete, ordered timeline', async (t) => {
  const browser = await launchBrowser(t, { fakeMedia: 'file', network });
  for (const scenario of ['sfu-3', 'p2p-2'] as const) {
    const [timeline] = await runScenario(browser, scenario, { trials: 1, settleMs: 0 });
    if (!timeline) throw new Error('no join timed');
    const order = [timeline.socketOpen, timeline.joined, timeline.transportsReady, timeline.firstVideoConsumer, timeline.consumed, timeline.firstFrame];
    t.ok(order.every((at) => at !== undefined && at > 0), `${scenario}: every milestone seen: ${JSON.stringify(timeline)}`);
    t.same([...order].sort((a, b) => a! - b!), order, `${scenario}: milestones in join order`);
    t.ok(timeline.allFirstFrames >= timeline.firstFrame, `${scenario}: the last first frame is not before the first`);
    if (scenario === 'p2p-2') t.ok(timeline.p2p !== undefined && timeline.p2p > timeline.firstFrame, 'P2P comes up after the first (SFU) frame');
  }
});
