/**
 * Join latency (issue #8, benchmark 2; issue #3's join-to-first-frame P2P vs SFU): from a Chromium
 * page's Join click to the first remote video frame on screen, p50/p95 over many joins, broken down
 * into milestones read inside the page (bench/join/page-marks.ts): socket, `join`, transports,
 * `newConsumer`, consumer set up, ICE, DTLS, first frame, P2P.
 *
 * Run: `node --import=@tapjs/typescript/import bench/join-latency.ts` (under the heavy-run lock).
 * Knobs: JOIN_TRIALS (default 20 per scenario), JOIN_SCENARIOS (sfu-3,p2p-2,p2p-on-3), JOIN_SETTLE_MS (500).
 */
import { launchBrowser } from '../test/helpers/browser.js';
import { requireTestNetwork, serveEveryServerOn } from '../test/helpers/network-call.js';
import { fmt, percentile } from './lib/distribution.js';
import { runBenchmark } from './lib/harness.js';
import { loadAverage } from './lib/proc.js';
import { machineInfo, writeResult, type BenchResult, type BenchTarget } from './lib/result.js';
import { barChart, writePlot } from './lib/svg-plot.js';
import { MILESTONES, milestoneTable, p50Of, p95Of } from './join/join-report.js';
import { runScenario, SCENARIOS, type ScenarioName } from './join/join-scenarios.js';
import type { JoinTimeline } from './join/join-trial.js';

const TRIALS = Number(process.env.JOIN_TRIALS ?? 20);
const SETTLE_MS = Number(process.env.JOIN_SETTLE_MS ?? 500);
const scenarios = (process.env.JOIN_SCENARIOS ?? 'sfu-3,p2p-2,p2p-on-3').split(',') as ScenarioName[];
const TARGET_P50 = 300;
const TARGET_P95 = 600;

await runBenchmark('join-latency', async (harness) => {
  const loadBefore = loadAverage();
  const started = Date.now();
  // P2P scenarios go direct: servers and Chromium on the test network, off the machine's addresses.
  const network = requireTestNetwork(harness.asTest, 'the join-latency benchmark');
  serveEveryServerOn(network);
  const browser = await launchBrowser(harness.asTest, { fakeMedia: 'file', network });
  const results = new Map<ScenarioName, JoinTimeline[]>();
  for (const name of scenarios) {
    if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    results.set(name, await runScenario(browser, name, { trials: TRIALS, settleMs: SETTLE_MS, log: harness.log }));
  }
  await browser.close();

  const targets: BenchTarget[] = [];
  for (const [name, timelines] of results) {
    if (name === 'p2p-on-3') continue;
    const p50 = p50Of(timelines, 'firstFrame');
    const p95 = p95Of(timelines, 'firstFrame');
    const met = p50 < TARGET_P50 && p95 < TARGET_P95;
    targets.push({
      target: `${SCENARIOS[name].title}: join to first frame p50 < ${TARGET_P50} ms, p95 < ${TARGET_P95} ms`,
      measured: `p50 ${fmt(p50)} ms, p95 ${fmt(p95)} ms (${timelines.length} joins)`,
      met,
      ...(met ? {} : { why: whyMissed(timelines) }),
    });
  }

  const shown = MILESTONES.filter((m) => m.key !== 'allFirstFrames' && m.key !== 'p2p');
  const result: BenchResult = {
    name: 'join-latency',
    title: 'Join latency: Join click to first remote frame',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(loadBefore),
    howToRun: 'node --import=@tapjs/typescript/import bench/join-latency.ts — knobs: JOIN_TRIALS, JOIN_SCENARIOS, JOIN_SETTLE_MS',
    targets,
    tables: [
      {
        title: 'Join to first remote frame, per room',
        columns: ['room', 'joins', 'first frame p50 (ms)', 'first frame p95 (ms)', 'all first frames p95 (ms)', 'P2P up p50 (ms)', 'P2P up p95 (ms)'],
        rows: [...results].map(([name, timelines]) => [
          SCENARIOS[name].title, timelines.length, fmt(p50Of(timelines, 'firstFrame')), fmt(p95Of(timelines, 'firstFrame')),
          fmt(p95Of(timelines, 'allFirstFrames')), fmt(p50Of(timelines, 'p2p')), fmt(p95Of(timelines, 'p2p')),
        ]),
        note:
          `Headless Chromium ${browser.browser.version()}, one fresh page (browser context) per join with a 640x360 20 fps file camera; ` +
          `the people already in the room stay on their pages; server in the benchmark process (1 worker, loopback). ` +
          `Each newcomer opens the room link, waits for its camera preview and ${SETTLE_MS} ms, clicks Join; times are read inside the page ` +
          '(click event time, WebSocket and RTCPeerConnection events, requestVideoFrameCallback of the tile), then it leaves with the Leave button.',
      },
      ...[...results].map(([name, timelines]) => milestoneTable(`Where the time goes: ${SCENARIOS[name].title}`, timelines)),
    ],
    plots: [],
  };
  result.plots.push(
    writePlot(
      'join-latency-milestones.svg',
      'Join milestones (p50, ms after the click)',
      barChart({
        title: 'Join milestones, p50 in ms after the Join click',
        yLabel: 'ms after click',
        categories: shown.map((m) => m.short),
        width: 900,
        series: [...results].map(([name, timelines]) => ({ name, values: shown.map((m) => p50Of(timelines, m.key)) })),
        hLines: [{ y: TARGET_P50, label: `target p50 ${TARGET_P50} ms` }],
      }),
    ),
  );
  result.machine = machineInfo(loadBefore);
  harness.log(`wrote ${writeResult(result)}`);
});

function whyMissed(timelines: JoinTimeline[]): string {
  // The largest p50 steps are what to attack first; the CPU figure says whether the machine starved them.
  const steps: Array<{ step: string; ms: number }> = [];
  let previous: (typeof MILESTONES)[number] | undefined;
  for (const milestone of MILESTONES) {
    if (milestone.key === 'allFirstFrames' || milestone.key === 'p2p') continue;
    const p50 = p50Of(timelines, milestone.key);
    if (!Number.isFinite(p50)) continue;
    steps.push({ step: milestone.step, ms: previous ? p50 - p50Of(timelines, previous.key) : p50 });
    previous = milestone;
  }
  const top = steps.sort((a, b) => b.ms - a.ms).slice(0, 3).map((s) => `${s.step} ${fmt(s.ms)} ms`);
  const busy = percentile(timelines.map((t) => t.machineBusy * 100).filter(Number.isFinite), 50);
  return (
    `largest steps at p50: ${top.join('; ')}. Both cores were ${fmt(busy)} % busy during a join (p50): the steps are browser CPU work ` +
    '(SDP, device load, ICE/DTLS, rendering) of the newcomer competing with the other pages\' encoders, not network round trips (loopback, ~1 ms each).'
  );
}
