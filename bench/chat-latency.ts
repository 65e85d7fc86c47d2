/**
 * Benchmark of chat delivery through the SFU relay, with the client's own chat code over real SCTP
 * (libwebrtc in Node) against a real worker:
 * - latency: one line at a time, from `sendText` on one peer to the line shown on each other peer,
 *   for lines sent over the chat data channel and over signaling (`sendChat`, the fallback path);
 * - throughput: N peers each send a burst of lines at once; lines per second until every peer has all
 *   of them confirmed (own) or shown (others').
 *
 * Run: `npx tap --timeout=600 --allow-incomplete-coverage bench/chat-latency.ts`. Writes
 * bench/results/chat-latency.json and prints a Markdown table. Numbers depend on the machine's load:
 * the table says what the load was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ChatPeer } from '../test/helpers/chat-peer.js';
import { startServer } from '../test/helpers/server.js';
import { waitFor } from '../test/helpers/wait.js';

const SAMPLES = Number(process.env.SAMPLES ?? 200);
const PEERS = Number(process.env.PEERS ?? 5);
const BURST = Number(process.env.BURST ?? 200);
const WAIT = { timeout: 120_000, interval: 5 };
const here = path.dirname(fileURLToPath(import.meta.url));

function summary(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(2));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Number((sorted.at(-1) ?? NaN).toFixed(2)) };
}

/** Sends one line at a time from `from` and times its arrival at every other peer. */
async function latency(from: ChatPeer, to: ChatPeer[], label: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const text = `${label} ${i}`;
    const arrived = to.map(
      (peer) =>
        new Promise<number>((resolve) => {
          const off = peer.chat.events.on('timeline', (entries) => {
            if (entries.at(-1)?.text === text || entries.some((entry) => entry.text === text)) {
              off();
              resolve(performance.now());
            }
          });
        }),
    );
    const start = performance.now();
    if (!from.chat.sendText(text).ok) throw new Error(`${text} was not sent (rate limit too low for the benchmark?)`);
    for (const at of await Promise.all(arrived)) times.push(at - start);
  }
  return times;
}

const load = os.loadavg().map((n) => n.toFixed(1)).join(' / ');
const server = await startServer({ chatRateBurst: 100_000, chatRatePerSecond: 100_000, chatHistorySize: 200 });
t.teardown(() => server.close());

const results: Record<string, unknown> = { date: new Date().toISOString(), cpus: os.cpus().length, loadAverage: load };

await t.test('latency, one line at a time', async (t) => {
  const sender = await ChatPeer.join(server.wsUrl, 'latency', 'Sender');
  const viaSignaling = await ChatPeer.join(server.wsUrl, 'latency', 'NoLink', { link: false });
  const receivers = await Promise.all([1, 2].map((i) => ChatPeer.join(server.wsUrl, 'latency', `R${i}`)));
  t.teardown(() => [sender, viaSignaling, ...receivers].forEach((peer) => peer.close()));
  for (const peer of [sender, ...receivers]) await waitFor(() => peer.link?.isOpen, { ...WAIT, message: 'links open' });
  await latency(sender, receivers, 'warm-up');
  const dataChannel = summary(await latency(sender, receivers, 'dc'));
  const signaling = summary(await latency(viaSignaling, receivers, 'sig'));
  results.latency = { samples: SAMPLES, dataChannel, signaling };
  t.comment(`data channel -> relay: ${JSON.stringify(dataChannel)} ms; signaling -> relay: ${JSON.stringify(signaling)} ms`);
  t.pass('measured');
});

await t.test('throughput, everyone bursts at once', async (t) => {
  const peers = await Promise.all(Array.from({ length: PEERS }, (_, i) => ChatPeer.join(server.wsUrl, 'burst', `P${i}`)));
  t.teardown(() => peers.forEach((peer) => peer.close()));
  for (const peer of peers) await waitFor(() => peer.link?.isOpen, { ...WAIT, message: 'links open' });
  const total = PEERS * BURST;
  const start = performance.now();
  for (let i = 0; i < BURST; i++) for (const peer of peers) peer.chat.sendText(`${peer.displayName} ${i}`);
  for (const peer of peers) {
    await waitFor(() => peer.chat.timeline.entries.length >= total && peer.chat.unconfirmed === 0, { ...WAIT, message: `${peer.displayName} has all ${total}` });
  }
  const seconds = (performance.now() - start) / 1000;
  results.throughput = { peers: PEERS, linesPerPeer: BURST, lines: total, deliveries: total * PEERS, seconds: Number(seconds.toFixed(2)), linesPerSecond: Math.round(total / seconds), deliveriesPerSecond: Math.round((total * PEERS) / seconds) };
  t.comment(JSON.stringify(results.throughput));
  t.pass('measured');
});

fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'chat-latency.json'), `${JSON.stringify(results, null, 2)}\n`);
const l = results.latency as { dataChannel: ReturnType<typeof summary>; signaling: ReturnType<typeof summary> } | undefined;
const tp = results.throughput as { peers: number; lines: number; seconds: number; linesPerSecond: number; deliveriesPerSecond: number } | undefined;
t.comment(
  [
    `| measure (load average ${load}, ${os.cpus().length} cores) | p50 | p95 | p99 | max |`,
    '|---|---|---|---|---|',
    l ? `| latency, data channel -> relay -> data channel (ms) | ${l.dataChannel.p50} | ${l.dataChannel.p95} | ${l.dataChannel.p99} | ${l.dataChannel.max} |` : '',
    l ? `| latency, sendChat (signaling) -> relay (ms) | ${l.signaling.p50} | ${l.signaling.p95} | ${l.signaling.p99} | ${l.signaling.max} |` : '',
    tp ? `\nThroughput: ${tp.peers} peers x ${tp.lines / tp.peers} lines at once = ${tp.lines} lines in ${tp.seconds} s: ${tp.linesPerSecond} lines/s in, ${tp.deliveriesPerSecond} deliveries/s out.` : '',
  ].join('\n'),
);
