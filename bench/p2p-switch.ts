/**
 * P2P switch gap (issue #3): the longest freeze on the pair's tiles when a third person joins
 * (P2P -> SFU) and leaves (SFU -> P2P), 10 switches each way, against the same measure over windows of
 * the same length with no switch (the baseline the machine gives, in the same run). Join-to-first-
 * frame with P2P on versus off is measured by bench/join-latency.ts (20+ joins each).
 *
 * Run: `node --import=@tapjs/typescript/import bench/p2p-switch.ts` (under the heavy-run lock).
 * Knobs: SWITCHES (default 10), SWITCH_BACK_DELAY_MS (1000), SWITCH_CLIENT_DIR (serve another client
 * build, to A/B a client change), THIRD_JOIN_BASELINE (1; 0 skips it), THIRD (both | page | remote:
 * the third person as a Chromium page on this machine, a person whose browser runs elsewhere, or both —
 * see bench/p2p/switch-trials.ts), SWITCH_TRACE (1: a diagnostic — both pages' RTP stats, main-thread
 * stalls and a V8 profile around every P2P -> SFU gap over 200 ms, bench/p2p/rtp-trace.ts).
 */
import { launchBrowser } from '../test/helpers/browser.js';
import { requireTestNetwork, serveEveryServerOn } from '../test/helpers/network-call.js';
import { fmt, percentile } from './lib/distribution.js';
import { runBenchmark } from './lib/harness.js';
import { loadAverage } from './lib/proc.js';
import { machineInfo, writeResult, type BenchResult } from './lib/result.js';
import { barChart, writePlot } from './lib/svg-plot.js';
import { FROZEN_AFTER_MS } from '../client/src/media/frozen-layer.js';
import { STEADY_MS } from '../client/src/media/path-switcher.js';
import { runSwitchTrials, type SwitchSamples } from './p2p/switch-trials.js';
import { runThirdJoinBaseline } from './p2p/third-join-baseline.js';

const SWITCHES = Number(process.env.SWITCHES ?? 10);
const SWITCH_BACK_DELAY_MS = Number(process.env.SWITCH_BACK_DELAY_MS ?? 1000);
/** Another client build to serve (A/B a client change); default: dist/client. */
const CLIENT_DIR = process.env.SWITCH_CLIENT_DIR;
const THIRD_JOIN_BASELINE = process.env.THIRD_JOIN_BASELINE !== '0';
const THIRD = process.env.THIRD ?? 'both';
const TARGET_GAP_MS = 200;

await runBenchmark('p2p-switch', async (harness) => {
  const loadBefore = loadAverage();
  const started = Date.now();
  // The pair goes P2P: servers and Chromium on the test network, off the machine's addresses.
  const network = requireTestNetwork(harness.asTest, 'the p2p-switch benchmark');
  serveEveryServerOn(network);
  const browser = await launchBrowser(harness.asTest, { fakeMedia: 'file', network });
  const version = browser.browser.version();
  const trials = (third: 'page' | 'remote') =>
    runSwitchTrials(browser, { switches: SWITCHES, switchBackDelayMs: SWITCH_BACK_DELAY_MS, clientDir: CLIENT_DIR, third, log: harness.log });
  const empty: SwitchSamples = { toSfu: [], toP2P: [], baseline: [], toSfuAtSwap: [], toP2PAtSwap: [], toSfuFromSwap: [], durations: { toSfu: [], toP2P: [] } };
  const samples = THIRD === 'remote' ? empty : await trials('page');
  const remote = THIRD === 'page' ? empty : await trials('remote');
  const thirdJoin = THIRD_JOIN_BASELINE ? await runThirdJoinBaseline(browser, { rounds: SWITCHES, clientDir: CLIENT_DIR, log: harness.log }) : [];
  await browser.close();
  const atSwap = (flags: boolean[]) => `${flags.filter(Boolean).length} of ${flags.length}`;

  const max = (values: number[]) => (values.length ? Math.max(...values) : Number.NaN);
  const ratio = (values: number[], baseline: number[]) => fmt(percentile(values, 50) / percentile(baseline, 50), 1);
  const row = (label: string, values: number[], baseline: number[]) => [label, values.length, fmt(percentile(values, 50)), fmt(percentile(values, 95)), fmt(max(values)), ratio(values, baseline)];
  const idle = [...samples.baseline, ...remote.baseline];
  // The fake camera sends a frame every 50 ms: a gap is the switch's only beyond what the idle window shows.
  function target(label: string, trial: SwitchSamples, why: () => string) {
    const met = Math.max(max(trial.toSfu), max(trial.toP2P)) < TARGET_GAP_MS;
    return {
      target: `switch gap under ${TARGET_GAP_MS} ms, ${label} (both directions, max over ${SWITCHES} switches each way)`,
      measured: `max ${fmt(max(trial.toSfu))} ms P2P -> SFU (p50 ${fmt(percentile(trial.toSfu, 50))}), ${fmt(max(trial.toP2P))} ms SFU -> P2P (p50 ${fmt(percentile(trial.toP2P, 50))}); no-switch baseline max ${fmt(max(trial.baseline))} ms`,
      met,
      ...(met ? {} : { why: why() }),
    };
  }
  /** Where the worst P2P -> SFU sample's gap was. */
  function worstToSfu(trial: SwitchSamples): string {
    const worst = max(trial.toSfu);
    const from = trial.toSfuFromSwap[trial.toSfu.indexOf(worst)] ?? Number.NaN;
    if (!Number.isFinite(from)) return `the worst P2P -> SFU gap (${fmt(worst)} ms) came with no swap seen`;
    const layerStopped =
      worst >= FROZEN_AFTER_MS
        ? " (traced with SWITCH_TRACE=1, freezes this long were simulcast layers the sender's browser stopped under load; the receiver then asks for the lowest layer, client/src/media/frozen-layer.ts)"
        : '';
    return from >= 0
      ? `the worst P2P -> SFU gap (${fmt(worst)} ms) started ${fmt(from)} ms after the tile's swap, on the SFU picture${layerStopped}`
      : `the worst P2P -> SFU gap (${fmt(worst)} ms) started ${fmt(-from)} ms before the tile's swap, on the P2P picture while the SFU path starts up (a stall of the P2P stream itself while both paths run)`;
  }
  function outsideSwap(trial: SwitchSamples): string {
    const flags = [...trial.toSfuAtSwap, ...trial.toP2PAtSwap];
    return `the longest gap fell outside the track swap in ${flags.filter((atSwap) => !atSwap).length} of ${flags.length} samples: stalls of the playing path while both paths run`;
  }
  const targets = [];
  if (samples.toSfu.length > 0) {
    targets.push(
      target('third person a Chromium page on this machine', samples, () =>
        `${worstToSfu(samples)}; ${outsideSwap(samples)} (make-before-break: each browser encodes and decodes SFU and P2P media at once, and the third page starts up) on 2 shared cores; ` +
        `the same third page joining with P2P off (no switch) freezes the tiles for p50 ${fmt(percentile(thirdJoin, 50))} / max ${fmt(max(thirdJoin))} ms, ` +
        `an idle window for p50 ${fmt(percentile(samples.baseline, 50))} / max ${fmt(max(samples.baseline))} ms.`),
    );
  }
  if (remote.toSfu.length > 0) {
    targets.push(
      target("third person's browser elsewhere", remote, () =>
        `${worstToSfu(remote)}; ${outsideSwap(remote)}; both browsers of the pair (and the server) share 2 cores, where an idle window already shows p50 ${fmt(percentile(remote.baseline, 50))} / max ${fmt(max(remote.baseline))} ms.`),
    );
  }
  const result: BenchResult = {
    name: 'p2p-switch',
    title: 'P2P switch: longest frame gap across a switch',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(loadBefore),
    howToRun: 'node --import=@tapjs/typescript/import bench/p2p-switch.ts — knobs: SWITCHES, SWITCH_BACK_DELAY_MS, SWITCH_CLIENT_DIR, THIRD_JOIN_BASELINE, THIRD, SWITCH_TRACE (1: print both pages\' RTP stats, main-thread stalls and profile around every P2P -> SFU gap over 200 ms)',
    targets,
    tables: [
      {
        title: 'Longest frame gap on the pair\'s tiles (ms)',
        columns: ['measure', 'samples', 'p50', 'p95', 'max', 'p50 / idle p50'],
        rows: [
          row('P2P -> SFU, third person a page here', samples.toSfu, samples.baseline),
          row('SFU -> P2P, third person a page here', samples.toP2P, samples.baseline),
          row("P2P -> SFU, third person's browser elsewhere", remote.toSfu, remote.baseline),
          row("SFU -> P2P, third person's browser elsewhere", remote.toP2P, remote.baseline),
          row('baseline: same window, no switch', idle, idle),
          row('baseline: third page joins, P2P off (same load, no switch)', thirdJoin, idle),
          row('P2P -> SFU switch duration (join to P2P closed), page here', samples.durations.toSfu, idle),
          row(`SFU -> P2P switch duration (leave to P2P, incl. ${SWITCH_BACK_DELAY_MS} ms delay), page here`, samples.durations.toP2P, idle),
          row("P2P -> SFU switch duration, browser elsewhere", remote.durations.toSfu, idle),
        ],
        note:
          `Headless Chromium ${version}, file camera 640x360 at 20 fps (a frame every 50 ms, so ~50-70 ms is the floor). ` +
          'Gap: the longest interval between two frames a remote tile put on screen (the compositor\'s presentation times from requestVideoFrameCallback, client/src/components/frame-clock.ts; frames presented while the page\'s main thread was busy — callbacks skipped, presentedFrames rose by more than one — count, placed evenly between their neighbours: Chromium composites video off the main thread, and traced 200-300 ms main-thread stalls at a switch showed decoding at 20 fps throughout and 5-6 frames presented; runs before 2026-11-26 03:00 counted callback times, which called such stalls freezes; at a swap, the new track\'s frame that made it take over counts from the paint that makes it visible), from the trigger (Join or Leave click) until 2.5 s after the switch completed; ' +
          'both tiles of the pair count, so each switch gives 2 samples. Baselines: the same measure over a window of the same length right before, with no switch; and a third page joining a pair that is on the SFU with P2P off (the same CPU load, no switch). ' +
          `P2P -> SFU: the longest gap started p50 ${fmt(percentile([...samples.toSfuFromSwap, ...remote.toSfuFromSwap].filter(Number.isFinite), 50))} ms from the tile's swap (negative: before it, on the P2P picture while the SFU path starts up — each browser starts 3 simulcast encodings and a second decoder beside the P2P ones). ` +
          `The longest gap contained the tile's swap to the new path in ${atSwap([...samples.toSfuAtSwap, ...remote.toSfuAtSwap])} P2P -> SFU samples and ${atSwap([...samples.toP2PAtSwap, ...remote.toP2PAtSwap])} SFU -> P2P samples (otherwise it was a stall of one path). ` +
          "Third person: a Chromium page on this machine, or a person whose browser runs elsewhere (the app's SignalClient with mediasoup-client's FakeHandler: joins, produces mic and camera, consumes; no browser starts here, its tracks carry no media — bench/p2p/switch-trials.ts). " +
          'Join-to-first-frame with P2P on vs off: bench/join-latency.ts. ' +
          'By design the switch is make-before-break both ways: a tile takes the new path\'s track only after frames decode on it, in a second, invisible <video> that takes over once it plays about as smoothly as the shown one (LiveVideo.svelte, takeover.ts: a resumed SFU stream starts at 5-10 fps), or the shown one stalls, or 1.5 s passed; ' +
          `the old path stops (SFU producers paused, or the RTCPeerConnection closed) only after both browsers report the new path on screen plus a ${STEADY_MS} ms steady period; SFU transports stay open (producers paused) during P2P, so going back is a resume.`,
      },
    ],
    plots: [],
  };
  result.plots.push(
    writePlot(
      'p2p-switch-gaps.svg',
      'Longest frame gap across a switch',
      barChart({
        title: 'Longest frame gap across a switch (ms)',
        yLabel: 'ms',
        categories: ['to SFU, page here', 'to P2P, page here', 'to SFU, elsewhere', 'to P2P, elsewhere', 'no switch', 'page joins, P2P off'],
        series: [
          { name: 'p50', values: [samples.toSfu, samples.toP2P, remote.toSfu, remote.toP2P, idle, thirdJoin].map((v) => percentile(v, 50)) },
          { name: 'max', values: [samples.toSfu, samples.toP2P, remote.toSfu, remote.toP2P, idle, thirdJoin].map(max) },
        ],
        hLines: [{ y: TARGET_GAP_MS, label: `target ${TARGET_GAP_MS} ms` }],
        showValues: true,
      }),
    ),
  );
  result.machine = machineInfo(loadBefore);
  harness.log(`wrote ${writeResult(result)}`);
});
