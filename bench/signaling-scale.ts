/**
 * Signaling scale (issue #8, benchmark 3): K concurrent WebSocket peers with no media join rooms of 5,
 * K ramped up to 5,000; request round trips (`ping`, `join`) p50/p99 and the server's RSS per peer.
 * Baseline in the same run: a bare `ws` server under the same load at the largest K.
 *
 * Run: `node --import=@tapjs/typescript/import bench/signaling-scale.ts` (under the heavy-run lock).
 * Knobs: SCALE_STEPS (default 100,500,1000,2000,3000,4000,5000), ROOM_SIZE (5), LOAD_PROCESSES (2),
 * JOIN_CONCURRENCY (10 per process), PING_WINDOW_MS (5000), PING_INTERVAL_MS (2000 per peer),
 * BARE_BASELINE (1; 0 skips it).
 */
import { loadAverage, MiB } from './lib/proc.js';
import { fmt } from './lib/distribution.js';
import { runBenchmark } from './lib/harness.js';
import { machineInfo, writeResult, type BenchResult } from './lib/result.js';
import { lineChart, writePlot } from './lib/svg-plot.js';
import { runBareBaseline } from './signaling/bare-baseline.js';
import { runSignalingScale } from './signaling/scale-run.js';

const TARGET_PEERS = 5000;
const TARGET_P99_MS = 50;

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const options = {
  steps: env('SCALE_STEPS', '100,500,1000,2000,3000,4000,5000').split(',').map(Number),
  roomSize: Number(env('ROOM_SIZE', '5')),
  loadProcesses: Number(env('LOAD_PROCESSES', '2')),
  joinConcurrency: Number(env('JOIN_CONCURRENCY', '10')),
  pingWindowMs: Number(env('PING_WINDOW_MS', '5000')),
  pingIntervalMs: Number(env('PING_INTERVAL_MS', '2000')),
};

await runBenchmark('signaling-scale', async (harness) => {
  const loadBefore = loadAverage();
  const started = Date.now();
  const scale = await runSignalingScale({ ...options, log: harness.log });
  const top = scale.steps.at(-1)!;
  const bare = env('BARE_BASELINE', '1') === '1' ? await runBareBaseline({ ...options, peers: top.peers }) : undefined;
  if (bare) harness.log(`bare ws at K=${bare.peers}: ping p50 ${bare.ping.p50.toFixed(2)} p99 ${bare.ping.p99.toFixed(2)} ms, rss ${(bare.rss / MiB).toFixed(0)} MiB`);

  const mib = (bytes: number) => fmt(bytes / MiB, 0);
  const perPeerKiB = (bytes: number, peers: number) => fmt(bytes / 1024 / peers, 1);
  const allJoined = scale.steps.every((step) => step.failed === 0) && top.joined > 0;
  const meets = top.peers >= TARGET_PEERS && allJoined && top.ping.p99 < TARGET_P99_MS && top.join.p99 < TARGET_P99_MS;
  const rate = 1000 / options.pingIntervalMs;

  const result: BenchResult = {
    name: 'signaling-scale',
    title: 'Signaling scale: request latency and server memory with K peers',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(loadBefore),
    howToRun:
      'node --import=@tapjs/typescript/import bench/signaling-scale.ts — knobs: SCALE_STEPS, ROOM_SIZE, LOAD_PROCESSES, JOIN_CONCURRENCY, PING_WINDOW_MS, PING_INTERVAL_MS, BARE_BASELINE',
    targets: [
      {
        target: `${TARGET_PEERS.toLocaleString('en')} signaling peers with p99 under ${TARGET_P99_MS} ms`,
        measured: `${top.peers} peers (${scale.steps.reduce((n, s) => n + s.joined, 0)} joined): ping p99 ${fmt(top.ping.p99, 1)} ms, join p99 ${fmt(top.join.p99, 1)} ms`,
        met: meets,
        ...(meets ? {} : { why: whyMissed(top, allJoined) }),
      },
    ],
    tables: [
      {
        title: 'Ramp: latency and server cost per step',
        columns: ['peers', 'rooms', 'join p50 (ms)', 'join p99 (ms)', 'ping p50 (ms)', 'ping p99 (ms)', 'pings/s', 'server RSS (MiB)', 'worker RSS (MiB)', 'server CPU (cores)', 'generator CPU (cores)', 'generator lag p99 (ms)'],
        rows: scale.steps.map((s) => [
          s.peers, s.rooms, fmt(s.join.p50, 1), fmt(s.join.p99, 1), fmt(s.ping.p50, 2), fmt(s.ping.p99, 2), Math.round(s.pingRate),
          mib(s.serverNodeRss), mib(s.serverWorkerRss), fmt(s.serverCpu, 2), fmt(s.loadGeneratorCpu, 2), fmt(s.loadGeneratorLagP99Ms, 1),
        ]),
        note:
          `Server: \`node dist/server/main.js\` in its own process, 1 mediasoup worker, MAX_CONNECTIONS_PER_IP raised through the environment (all peers come from 127.0.0.1). ` +
          `Peers: bare \`ws\` sockets speaking the real protocol from ${options.loadProcesses} load processes, joining rooms of ${options.roomSize} with ${options.joinConcurrency} joins in flight per process; ` +
          `then every peer sends \`ping\` every ${options.pingIntervalMs} ms (${rate} per peer per second, random phase) for ${options.pingWindowMs / 1000} s. ` +
          `Latencies are client-side round trips, so they include the load generator's own lag (last column); CPU is measured from /proc over the ping window. ` +
          `Idle server: ${mib(scale.idle.nodeRss)} MiB + worker ${mib(scale.idle.workerRss)} MiB.`,
      },
      {
        title: 'Memory per peer and baseline',
        columns: ['measure', `Shouwang (${top.peers} peers)`, bare ? `bare ws (${bare.peers} sockets)` : 'bare ws', 'ratio'],
        rows: [
          ['server RSS per peer (KiB, Node process)', perPeerKiB(top.serverNodeRss - scale.idle.nodeRss, top.peers), bare ? perPeerKiB(bare.rss - bare.idleRss, bare.peers) : '-', bare ? fmt((top.serverNodeRss - scale.idle.nodeRss) / top.peers / ((bare.rss - bare.idleRss) / bare.peers), 1) : '-'],
          ['worker RSS per room (KiB)', fmt((top.serverWorkerRss - scale.idle.workerRss) / 1024 / top.rooms, 1), '-', '-'],
          ['ping p50 (ms)', fmt(top.ping.p50, 2), bare ? fmt(bare.ping.p50, 2) : '-', bare ? fmt(top.ping.p50 / bare.ping.p50, 1) : '-'],
          ['ping p99 (ms)', fmt(top.ping.p99, 2), bare ? fmt(bare.ping.p99, 2) : '-', bare ? fmt(top.ping.p99 / bare.ping.p99, 1) : '-'],
          ['join p99 (ms)', fmt(top.join.p99, 1), bare ? fmt(bare.join.p99, 1) : '-', bare ? fmt(top.join.p99 / bare.join.p99, 1) : '-'],
          ['server CPU during pings (cores)', fmt(top.serverCpu, 2), bare ? fmt(bare.serverCpu, 2) : '-', bare ? fmt(top.serverCpu / bare.serverCpu, 1) : '-'],
        ],
        note: 'The bare baseline is a `ws` server that answers every request with an empty success (no validation, rooms or mediasoup), under the same load at the largest K: the part of each number that the machine and the WebSocket layer cost anyway.',
      },
    ],
    plots: [],
  };
  result.plots.push(
    writePlot(
      'signaling-scale-latency.svg',
      'Request round trip vs peers',
      lineChart({
        title: 'Signaling request round trip vs concurrent peers',
        xLabel: 'concurrent peers',
        yLabel: 'ms',
        series: [
          { name: 'ping p50', points: scale.steps.map((s) => [s.peers, s.ping.p50]) },
          { name: 'ping p99', points: scale.steps.map((s) => [s.peers, s.ping.p99]) },
          { name: 'join p99', points: scale.steps.map((s) => [s.peers, s.join.p99]) },
        ],
        hLines: [{ y: TARGET_P99_MS, label: `target p99 ${TARGET_P99_MS} ms` }],
      }),
    ),
    writePlot(
      'signaling-scale-memory.svg',
      'Server memory vs peers',
      lineChart({
        title: 'Server RSS vs concurrent signaling peers',
        xLabel: 'concurrent peers',
        yLabel: 'MiB',
        series: [
          { name: 'Node process', points: scale.steps.map((s) => [s.peers, s.serverNodeRss / MiB]) },
          { name: 'mediasoup worker', points: scale.steps.map((s) => [s.peers, s.serverWorkerRss / MiB]) },
        ],
      }),
    ),
  );
  result.machine = machineInfo(loadBefore);
  harness.log(`wrote ${writeResult(result)}`);
});

function whyMissed(top: { peers: number; joined: number; ping: { p99: number }; join: { p99: number }; loadGeneratorLagP99Ms: number; serverCpu: number }, allJoined: boolean): string {
  if (top.peers < TARGET_PEERS) return `the run stopped at ${top.peers} peers (SCALE_STEPS)`;
  if (!allJoined) return 'not every peer could join (see the failures in the JSON)';
  return `p99 over target; server CPU ${top.serverCpu.toFixed(2)} cores, load generator lag p99 ${top.loadGeneratorLagP99Ms.toFixed(1)} ms (both share 2 cores)`;
}
