/**
 * Server memory per peer and per consumer (issue #8, benchmark 4): peers, transports, producers and
 * consumers are added in phases to a real server in its own process, and the RSS of its Node process
 * and of its mediasoup worker is read after each (bench/memory/memory-run.ts). The baseline is the
 * same server idle, in the same run.
 *
 * Run: `node --import=@tapjs/typescript/import bench/memory.ts` (under the heavy-run lock).
 * Knobs: MEMORY_ROOMS (default 20), MEMORY_ROOM_SIZE (10).
 */
import { fmt } from './lib/distribution.js';
import { runBenchmark } from './lib/harness.js';
import { loadAverage, MiB } from './lib/proc.js';
import { machineInfo, writeResult, type BenchResult } from './lib/result.js';
import { barChart, writePlot } from './lib/svg-plot.js';
import { runMemory, type MemoryPhase } from './memory/memory-run.js';

const rooms = Number(process.env.MEMORY_ROOMS ?? 20);
const roomSize = Number(process.env.MEMORY_ROOM_SIZE ?? 10);

await runBenchmark('memory', async (harness) => {
  const loadBefore = loadAverage();
  const started = Date.now();
  const { idle, phases } = await runMemory({ rooms, roomSize, log: harness.log });
  const [joined, transports, oneSender, allSend] = phases as [MemoryPhase, MemoryPhase, MemoryPhase, MemoryPhase];
  const kib = (bytes: number) => bytes / 1024;
  const delta = (after: { nodeRss: number; workerRss: number }, before: { nodeRss: number; workerRss: number }, per: number) => ({
    node: kib(after.nodeRss - before.nodeRss) / per,
    worker: kib(after.workerRss - before.workerRss) / per,
  });
  const perPeer = delta(joined, idle, joined.counts.peers);
  const perRoomWorker = kib(joined.workerRss - idle.workerRss) / joined.counts.rooms;
  const perTransport = delta(transports, joined, transports.counts.transports);
  const perConsumerFew = delta(oneSender, transports, oneSender.counts.consumers);
  const perConsumerMany = delta(allSend, oneSender, allSend.counts.consumers - oneSender.counts.consumers);
  const perMediaPeer = delta(allSend, idle, allSend.counts.peers);

  const row = (label: string, d: { node: number; worker: number }, note: string) => [label, fmt(d.node, 1), fmt(d.worker, 1), fmt(d.node + d.worker, 1), note];
  const result: BenchResult = {
    name: 'memory',
    title: 'Server memory per peer and per consumer',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(loadBefore),
    howToRun: 'node --import=@tapjs/typescript/import bench/memory.ts — knobs: MEMORY_ROOMS, MEMORY_ROOM_SIZE',
    targets: [],
    tables: [
      {
        title: `Memory per object (${rooms} rooms of ${roomSize})`,
        columns: ['object', 'Node (KiB)', 'worker (KiB)', 'total (KiB)', 'measured as'],
        rows: [
          row('signaling peer (joined, no media)', perPeer, `${joined.counts.peers} joins over the idle server; the worker part is the rooms' routers`),
          ['room (router, worker only)', '-', fmt(perRoomWorker, 1), fmt(perRoomWorker, 1), `${joined.counts.rooms} rooms`],
          row('WebRTC transport', perTransport, `${transports.counts.transports} transports (send + recv per peer, SCTP on)`),
          row('consumer (few per producer)', perConsumerFew, `${oneSender.counts.consumers} consumers of ${oneSender.counts.producers} producers (1 producer per ${roomSize - 1} consumers, included)`),
          row('consumer (everyone sends)', perConsumerMany, `${allSend.counts.consumers - oneSender.counts.consumers} more consumers, ${allSend.counts.producers - oneSender.counts.producers} more producers (included)`),
          row('peer in a call, everything included', perMediaPeer, `all of the above over the idle server, per peer (each consumes ${2 * (roomSize - 1)} tracks)`),
        ],
        note:
          `Server: \`node dist/server/main.js\` in its own process (P2P off, 1 worker), idle at ${fmt(idle.nodeRss / MiB, 1)} MiB + worker ${fmt(idle.workerRss / MiB, 1)} MiB. ` +
          'Peers: test/helpers/fake-peer.ts (the app\'s SignalClient + mediasoup-client FakeHandler) in the benchmark process: real transports, producers (VP8 3-layer simulcast camera, Opus mic) and consumers on the worker, no media flowing, so this is the memory of the objects, not of packet buffers. ' +
          'RSS is the median of 5 reads 1.5 s after each phase; object counts are the server\'s own (/metrics). V8 grows its heap in steps, so Node figures are approximate at small counts.',
      },
      {
        title: 'RSS after each phase',
        columns: ['phase', 'rooms', 'peers', 'transports', 'producers', 'consumers', 'Node RSS (MiB)', 'worker RSS (MiB)'],
        rows: [
          ['idle', 0, 0, 0, 0, 0, fmt(idle.nodeRss / MiB, 1), fmt(idle.workerRss / MiB, 1)],
          ...phases.map((p) => [p.label, p.counts.rooms, p.counts.peers, p.counts.transports, p.counts.producers, p.counts.consumers, fmt(p.nodeRss / MiB, 1), fmt(p.workerRss / MiB, 1)]),
        ],
      },
    ],
    plots: [],
  };
  result.plots.push(
    writePlot(
      'memory-phases.svg',
      'Server RSS after each phase',
      barChart({
        title: `Server RSS as objects are added (${rooms} rooms of ${roomSize})`,
        yLabel: 'MiB',
        categories: ['idle', 'joined', '+transports', '+1 sender/room', '+all send'],
        series: [
          { name: 'Node process', values: [idle, ...phases].map((p) => p.nodeRss / MiB) },
          { name: 'mediasoup worker', values: [idle, ...phases].map((p) => p.workerRss / MiB) },
        ],
        showValues: true,
      }),
    ),
  );
  result.machine = machineInfo(loadBefore);
  harness.log(`wrote ${writeResult(result)}`);
});
