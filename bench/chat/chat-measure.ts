/**
 * Chat delivery through the SFU relay with the client's own chat code over real SCTP (libwebrtc in
 * Node, test/helpers/chat-peer.ts) against a real worker:
 * - latency: one line at a time, from `sendText` on one peer to the line shown on each other peer,
 *   over the chat data channel and over signaling (`sendChat`, the fallback path);
 * - throughput: N peers each send a burst of lines at once; lines per second until every peer has all
 *   of them confirmed (own) or shown (others').
 */
import { ChatPeer } from '../../test/helpers/chat-peer.js';
import { startServer } from '../../test/helpers/server.js';
import { waitFor } from '../../test/helpers/wait.js';

const WAIT = { timeout: 120_000, interval: 5 };

export interface ChatMeasurements {
  latency: { samples: number; dataChannel: number[]; signaling: number[] };
  throughput: { peers: number; linesPerPeer: number; lines: number; deliveries: number; seconds: number };
}

/** Sends one line at a time from `from` and times its arrival at every other peer. */
async function latency(from: ChatPeer, to: ChatPeer[], label: string, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const text = `${label} ${i}`;
    const arrived = to.map(
      (peer) =>
        new Promise<number>((resolve) => {
          const off = peer.chat.events.on('timeline', (entries) => {
            if (entries.some((entry) => entry.text === text)) {
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

export async function measureChat(options: { samples: number; peers: number; burst: number }): Promise<ChatMeasurements> {
  // Chat limits raised through the config so nothing is paced: this measures delivery, not the limiter.
  const server = await startServer({ chatRateBurst: 10_000, chatRatePerSecond: 10_000, chatHistorySize: 200 });
  const peers: ChatPeer[] = [];
  try {
    const sender = await ChatPeer.join(server.wsUrl, 'latency', 'Sender');
    const viaSignaling = await ChatPeer.join(server.wsUrl, 'latency', 'NoLink', { link: false });
    const receivers = await Promise.all([1, 2].map((i) => ChatPeer.join(server.wsUrl, 'latency', `R${i}`)));
    peers.push(sender, viaSignaling, ...receivers);
    for (const peer of [sender, ...receivers]) await waitFor(() => peer.link?.isOpen, { ...WAIT, message: 'links open' });
    await latency(sender, receivers, 'warm-up', Math.min(20, options.samples));
    const dataChannel = await latency(sender, receivers, 'dc', options.samples);
    const signaling = await latency(viaSignaling, receivers, 'sig', options.samples);

    const burst = await Promise.all(Array.from({ length: options.peers }, (_, i) => ChatPeer.join(server.wsUrl, 'burst', `P${i}`)));
    peers.push(...burst);
    for (const peer of burst) await waitFor(() => peer.link?.isOpen, { ...WAIT, message: 'links open' });
    const total = options.peers * options.burst;
    const start = performance.now();
    for (let i = 0; i < options.burst; i++) for (const peer of burst) peer.chat.sendText(`${peer.displayName} ${i}`);
    for (const peer of burst) {
      await waitFor(() => peer.chat.timeline.entries.length >= total && peer.chat.unconfirmed === 0, { ...WAIT, message: `${peer.displayName} has all ${total}` });
    }
    const seconds = (performance.now() - start) / 1000;
    return {
      latency: { samples: options.samples, dataChannel, signaling },
      throughput: { peers: options.peers, linesPerPeer: options.burst, lines: total, deliveries: total * options.peers, seconds },
    };
  } finally {
    for (const peer of peers) peer.close();
    await server.close();
  }
}
