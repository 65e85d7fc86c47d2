/**
 * Cluster benchmark (issue #10): what spanning and coordinating nodes costs and gives.
 * 1. One piped stream against a local one: worker CPU and one-way latency (bench/cluster/pipe-overhead.ts).
 * 2. Signaling capacity with 1, 2 and 3 node processes sharing Redis, against one node without Redis
 *    (bench/cluster/signaling-capacity.ts): the mechanism's scaling on this machine.
 * 3. Node loss: from SIGKILL of a room's node until every client resumed elsewhere with media
 *    (bench/cluster/node-loss.ts).
 *
 * Run: `node --import=@tapjs/typescript/import bench/cluster.ts` under the heavy-run lock (or
 * `npm run bench -- cluster`). Knobs: PIPE_STREAMS (20), PIPE_SECONDS (10), CAPACITY_PEERS (400),
 * LOSS_ROUNDS (3), LOSS_PEERS (4), NODE_TTL_MS (1500), NODE_HEARTBEAT_MS (300).
 */
import { fmt } from './lib/distribution.js';
import { runBenchmark } from './lib/harness.js';
import { loadAverage } from './lib/proc.js';
import { machineInfo, writeResult, type BenchResult } from './lib/result.js';
import { startRedis } from '../test/helpers/redis.js';
import { measureNodeLoss } from './cluster/node-loss.js';
import { measurePipeOverhead, type PathResult } from './cluster/pipe-overhead.js';
import { measureSignalingCapacity, type CapacityResult } from './cluster/signaling-capacity.js';

const env = (name: string, fallback: string): number => Number(process.env[name] ?? fallback);
const PIPE = { streams: env('PIPE_STREAMS', '20'), seconds: env('PIPE_SECONDS', '10'), pps: 100, payloadBytes: 1000 };
const CAPACITY = { peers: env('CAPACITY_PEERS', '400'), roomSize: 5, concurrency: 20, pingRounds: 5 };
const LOSS = { rounds: env('LOSS_ROUNDS', '3'), peers: env('LOSS_PEERS', '4'), ttlMs: env('NODE_TTL_MS', '1500'), heartbeatMs: env('NODE_HEARTBEAT_MS', '300') };
const RESUME_TARGET_MS = 5000;

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

await runBenchmark('cluster', async (harness) => {
  const loadBefore = loadAverage();
  const started = Date.now();
  const t = harness.asTest;

  harness.log(`pipe overhead: ${PIPE.streams} streams x ${PIPE.pps} pps x ${PIPE.payloadBytes} B, ${PIPE.seconds} s per run`);
  const pipe = await measurePipeOverhead({ ...PIPE, log: harness.log });

  const redis = await startRedis(t);
  const capacity: CapacityResult[] = [];
  capacity.push(await measureSignalingCapacity({ t, redisUrl: undefined, nodes: 1, ...CAPACITY, log: harness.log }));
  for (const nodes of [1, 2, 3]) {
    await redis.kill();
    await redis.start(); // Empty between runs: each starts from a clean cluster.
    capacity.push(await measureSignalingCapacity({ t, redisUrl: redis.url, nodes, ...CAPACITY, log: harness.log }));
  }

  await redis.kill();
  await redis.start();
  const loss = await measureNodeLoss({ t, redisUrl: redis.url, ...LOSS, log: harness.log });

  const cpuPerStream = (runs: PathResult[]) => (mean(runs.map((run) => run.cpuCores)) / PIPE.streams) * 1000;
  const localCpu = cpuPerStream(pipe.local);
  const pipedCpu = cpuPerStream(pipe.piped);
  // Received can exceed sent by a few: a packet retransmitted over the pipe (RTX) may arrive twice.
  const delivered = (runs: PathResult[]) => `${runs.reduce((n, r) => n + r.received, 0)} / ${runs.reduce((n, r) => n + r.sent, 0)}`;
  const resumed = loss.map((round) => round.resumedMs);
  const worstResume = Math.max(...resumed);
  const baseline = capacity[0]!;

  const result: BenchResult = {
    name: 'cluster',
    title: 'Cluster: piped stream overhead, signaling with 1-3 nodes, node-loss resume',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(loadBefore),
    howToRun: 'node --import=@tapjs/typescript/import bench/cluster.ts — knobs: PIPE_STREAMS, PIPE_SECONDS, CAPACITY_PEERS, LOSS_ROUNDS, LOSS_PEERS, NODE_TTL_MS, NODE_HEARTBEAT_MS',
    targets: [
      {
        target: `clients of a killed node resume elsewhere with media within ${RESUME_TARGET_MS} ms (NODE_TTL_MS ${LOSS.ttlMs})`,
        measured: `worst of ${loss.length}: ${fmt(worstResume)} ms`,
        met: worstResume <= RESUME_TARGET_MS,
        ...(worstResume <= RESUME_TARGET_MS ? {} : { why: 'the heartbeat TTL plus the client backoff between reconnect attempts; see the split in the table' }),
      },
    ],
    tables: [
      {
        title: 'One stream piped to another node vs. local (mediasoup workers only)',
        columns: ['path', 'worker CPU per stream (milli-cores)', 'one-way latency p50 (ms)', 'p99 (ms)', 'packets received / sent'],
        rows: [
          ['local (same router)', fmt(localCpu, 2), fmt(mean(pipe.local.map((r) => r.latencyP50Ms)), 3), fmt(mean(pipe.local.map((r) => r.latencyP99Ms)), 2), delivered(pipe.local)],
          ['piped (PipeTransport, SRTP + RTX)', fmt(pipedCpu, 2), fmt(mean(pipe.piped.map((r) => r.latencyP50Ms)), 3), fmt(mean(pipe.piped.map((r) => r.latencyP99Ms)), 2), delivered(pipe.piped)],
          ['piped / local', `${fmt(pipedCpu / localCpu, 2)}x`, `+${fmt(mean(pipe.piped.map((r) => r.latencyP50Ms)) - mean(pipe.local.map((r) => r.latencyP50Ms)), 3)} ms`, '', ''],
        ],
        note: `${PIPE.streams} streams at ${PIPE.pps} packets/s of ${PIPE.payloadBytes} B (about 0.8 Mbit/s each, a 640x360 camera layer), sent from the benchmark process into a PlainTransport producer and received back through a PlainTransport consumer, either on the same router or on a router of a second worker through the production PipeLink (two workers stand for two nodes; on loopback, so the network adds nothing). Two alternating runs of each, ${PIPE.seconds} s; CPU is both workers' user+system time. Each packet carries its send time: the latency is exact.`,
      },
      {
        title: 'Signaling capacity by number of nodes',
        columns: ['setup', 'joined', 'joins/s', 'vs. single node', 'join p50 (ms)', 'join p99 (ms)', 'ping p50 (ms)', 'ping p99 (ms)', 'moved'],
        rows: capacity.map((run) => [
          run.label,
          `${run.joined}${run.failed ? ` (${run.failed} failed)` : ''}`,
          fmt(run.joinsPerSecond),
          `${fmt(run.joinsPerSecond / baseline.joinsPerSecond, 2)}x`,
          fmt(run.joinP50Ms, 1),
          fmt(run.joinP99Ms, 1),
          fmt(run.pingP50Ms, 1),
          fmt(run.pingP99Ms, 1),
          run.moved,
        ]),
        note: `${CAPACITY.peers} clients without media (the app's SignalClient) join rooms of ${CAPACITY.roomSize}, ${CAPACITY.concurrency} joins in flight, each entering through node i mod N (so with N nodes about (N-1)/N of joins take one MOVED hop); then ${CAPACITY.pingRounds} rounds of every client pinging at once. Every node is a separate process with one mediasoup worker; the clients run in the benchmark process. This machine has ${machineInfo(loadBefore).cores} cores for all nodes, Redis and the clients, so more nodes cannot add CPU here: the table shows what the coordination costs (placement in Redis, the redirect) and that it spreads load, not the capacity of N machines.`,
      },
      {
        title: 'Node loss: SIGKILL of the room\'s node until every client is back',
        columns: ['round', 'loss noticed by survivors (ms)', 'all clients resumed with media (ms)'],
        rows: loss.map((round, index) => [index + 1, fmt(round.noticedMs), fmt(round.resumedMs)]),
        note: `NODE_HEARTBEAT_MS ${LOSS.heartbeatMs}, NODE_TTL_MS ${LOSS.ttlMs}; ${LOSS.peers} clients (SignalClient + mediasoup-client FakeHandler, one microphone each) entering through all three nodes, in one room on one node. "Resumed" means reconnected, re-homed by placement, transports and producers created again on the new node, and consuming every other client. Browser pages take longer to show frames (ICE + DTLS + first keyframe): test/cluster/node-loss.test.ts prints that time.`,
      },
    ],
    plots: [],
  };
  harness.log(`wrote ${writeResult(result)}`);
});
