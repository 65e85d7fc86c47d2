/**
 * Chat delivery through the SFU relay (bench/chat/chat-measure.ts): one line at a time over the chat
 * data channel and over signaling (latency), and everyone bursting at once (throughput). The baseline
 * in the same run is the signaling path, the one every message could take without data channels.
 *
 * Run: `node --import=@tapjs/typescript/import bench/chat-latency.ts` (under the heavy-run lock).
 * Knobs: SAMPLES (default 200), PEERS (5), BURST (200 lines per peer).
 */
import { fmt, summarize } from './lib/distribution.js';
import { runBenchmark } from './lib/harness.js';
import { loadAverage } from './lib/proc.js';
import { machineInfo, writeResult, type BenchResult } from './lib/result.js';
import { barChart, writePlot } from './lib/svg-plot.js';
import { measureChat } from './chat/chat-measure.js';

const SAMPLES = Number(process.env.SAMPLES ?? 200);
const PEERS = Number(process.env.PEERS ?? 5);
const BURST = Number(process.env.BURST ?? 200);

await runBenchmark('chat-latency', async (harness) => {
  const loadBefore = loadAverage();
  const started = Date.now();
  const measured = await measureChat({ samples: SAMPLES, peers: PEERS, burst: BURST });
  const dc = summarize(measured.latency.dataChannel);
  const sig = summarize(measured.latency.signaling);
  const tp = measured.throughput;
  const row = (label: string, s: ReturnType<typeof summarize>) => [label, s.n, fmt(s.p50, 2), fmt(s.p95, 2), fmt(s.p99, 2), fmt(s.max, 2), fmt(s.p50 / sig.p50, 2)];
  const result: BenchResult = {
    name: 'chat-latency',
    title: 'Chat delivery: latency and throughput through the SFU relay',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(loadBefore),
    howToRun: 'node --import=@tapjs/typescript/import bench/chat-latency.ts — knobs: SAMPLES, PEERS, BURST',
    targets: [],
    tables: [
      {
        title: 'One line at a time, sender -> shown at 2 receivers (ms)',
        columns: ['path', 'deliveries', 'p50', 'p95', 'p99', 'max', 'p50 / signaling p50'],
        rows: [
          row('chat DataProducer -> server checks and stamps -> relay DataConsumer', dc),
          row('`sendChat` over signaling -> server -> relay DataConsumer (baseline)', sig),
        ],
        note:
          "The clients are the app's own chat code (ChatClient, SfuChatLink, SignalClient) on libwebrtc in Node (@roamhq/wrtc) with real SCTP data channels to a real mediasoup 3.12 worker on 127.0.0.1, " +
          'in the same process as the server; the chat rate limits are raised through the config so nothing is paced.',
      },
      {
        title: 'Throughput: everyone sends a burst at once',
        columns: ['peers', 'lines per peer', 'lines in', 'deliveries out', 'seconds', 'lines/s in', 'deliveries/s out'],
        rows: [[tp.peers, tp.linesPerPeer, tp.lines, tp.deliveries, fmt(tp.seconds, 2), fmt(tp.lines / tp.seconds), fmt(tp.deliveries / tp.seconds)]],
        note: "Until every peer shows every line and has each of its own confirmed (its own copy back from the relay); every line arrives exactly once. The peers share one Node process (and libwebrtc's threads) with the server, which is most of the cost.",
      },
    ],
    plots: [],
  };
  result.plots.push(
    writePlot(
      'chat-latency.svg',
      'Chat latency by path',
      barChart({
        title: 'Chat line latency, sender to receivers (ms)',
        yLabel: 'ms',
        categories: ['p50', 'p95', 'p99'],
        series: [
          { name: 'data channel', values: [dc.p50, dc.p95, dc.p99] },
          { name: 'signaling', values: [sig.p50, sig.p95, sig.p99] },
        ],
        showValues: true,
      }),
    ),
  );
  result.machine = machineInfo(loadBefore);
  harness.log(`wrote ${writeResult(result)}`);
});
