/**
 * What one piped stream costs compared with a local one, measured on mediasoup itself (no browser, so
 * the numbers are the SFU's alone). Two workers stand for two nodes. S streams of RTP (Opus payload
 * type, PAYLOAD_BYTES at PPS packets per second each, about the rate of a 640x360 camera layer) are
 * sent from this process into a PlainTransport producer on worker A, and received back through a
 * PlainTransport consumer either on A (local) or on B through the production PipeLink (SRTP + RTX, as
 * between real nodes). Each packet carries its send time, so the one-way latency is exact (one clock).
 * CPU is both workers' user+system time over the window.
 */
import dgram from 'node:dgram';
import * as mediasoup from 'mediasoup';
import type { Router, RtpCodecCapability, Worker } from 'mediasoup/node/lib/types.js';
import { PipeLink } from '../../server/cluster/pipe-link.js';
import type { ProducerAppData } from '../../server/rooms/peer.js';
import { percentile } from '../lib/distribution.js';

const CODECS: RtpCodecCapability[] = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }];

export interface PipeOverheadOptions {
  streams: number;
  seconds: number;
  pps: number;
  payloadBytes: number;
  log: (message: string) => void;
}

export interface PathResult {
  mode: 'local' | 'piped';
  /** Worker CPU for all streams, in cores. */
  cpuCores: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  received: number;
  sent: number;
}

async function cpuMs(workers: Worker[]): Promise<number> {
  let total = 0;
  for (const worker of workers) {
    const usage = await worker.getResourceUsage();
    total += usage.ru_utime + usage.ru_stime;
  }
  return total;
}

function rtpPacket(ssrc: number, seq: number, timestamp: number, payloadBytes: number): Buffer {
  const packet = Buffer.alloc(12 + payloadBytes);
  packet[0] = 0x80;
  packet[1] = 100;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(ssrc, 8);
  packet.writeDoubleBE(performance.timeOrigin + performance.now(), 12);
  return packet;
}

async function plainReceiver(router: Router, producerId: string, socket: dgram.Socket) {
  const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
  const { port } = socket.address();
  await transport.connect({ ip: '127.0.0.1', port });
  const consumer = await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities, paused: false });
  return { transport, consumer };
}

async function runPath(mode: 'local' | 'piped', workers: [Worker, Worker], options: PipeOverheadOptions): Promise<PathResult> {
  const [routerA, routerB] = await Promise.all(workers.map((worker) => worker.createRouter({ mediaCodecs: CODECS })));
  const latencies: number[] = [];
  /** Packets sent before this (warm-up) are not counted when they arrive. */
  let windowStart = Number.POSITIVE_INFINITY;
  const sink = dgram.createSocket('udp4');
  sink.on('message', (message) => {
    if (message.length < 20 || (message[1]! & 0x7f) !== 100) return;
    // mediasoup adds header extensions (mid, audio level...): the payload starts after them.
    let offset = 12 + 4 * (message[0]! & 0x0f);
    if (message[0]! & 0x10) offset += 4 + 4 * message.readUInt16BE(offset + 2);
    if (message.length < offset + 8) return;
    const sentAt = message.readDoubleBE(offset);
    if (sentAt >= windowStart) latencies.push(performance.timeOrigin + performance.now() - sentAt);
  });
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  const sender = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));

  const links: PipeLink[] = [];
  const sources: Array<{ port: number; ssrc: number }> = [];
  if (mode === 'piped') {
    const [a, b] = await Promise.all([
      PipeLink.create(routerA!, 'B', { ip: '127.0.0.1', announcedIp: '127.0.0.1' }),
      PipeLink.create(routerB!, 'A', { ip: '127.0.0.1', announcedIp: '127.0.0.1' }),
    ]);
    await a.connect(b.endpoint);
    await b.connect(a.endpoint);
    links.push(a, b);
  }
  for (let index = 0; index < options.streams; index++) {
    const ssrc = 1000 + index;
    const input = await routerA!.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
    const producer = await input.produce<ProducerAppData>({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] },
      appData: { peerId: `sender-${index}`, source: 'mic' },
    });
    if (mode === 'local') {
      await plainReceiver(routerA!, producer.id, sink);
    } else {
      const piped = await links[0]!.pipeOut(producer, { closed() {}, paused() {}, resumed() {} });
      await links[1]!.pipeIn(piped!);
      await plainReceiver(routerB!, producer.id, sink);
    }
    sources.push({ port: input.tuple.localPort, ssrc });
  }

  // Sequence numbers run on from the warm-up: a stream that jumps back would be dropped as old.
  let seq = 0;
  let sent = 0;
  const send = (): void => {
    for (const source of sources) {
      sender.send(rtpPacket(source.ssrc, seq, seq * 960, options.payloadBytes), source.port, '127.0.0.1');
    }
    seq++;
    sent++;
  };
  // Warm-up: comedia transports learn the sender's address from the first packets.
  for (let i = 0; i < 20; i++) send();
  await new Promise((resolve) => setTimeout(resolve, 500));
  latencies.length = 0;
  sent = 0;
  windowStart = performance.timeOrigin + performance.now();
  const cpuBefore = await cpuMs(workers);
  const startedAt = performance.now();
  const timer = setInterval(send, 1000 / options.pps);
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  clearInterval(timer);
  const elapsed = performance.now() - startedAt;
  const cpuAfter = await cpuMs(workers);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const result: PathResult = {
    mode,
    cpuCores: (cpuAfter - cpuBefore) / elapsed,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    received: latencies.length,
    sent: sent * sources.length,
  };
  sender.close();
  sink.close();
  routerA!.close();
  routerB!.close();
  options.log(`${mode}: ${result.cpuCores.toFixed(3)} cores, latency p50 ${result.latencyP50Ms.toFixed(3)} ms p99 ${result.latencyP99Ms.toFixed(3)} ms, ${result.received}/${result.sent} packets`);
  return result;
}

/** Local, piped, local, piped: alternating, so a load change on the machine hits both alike. */
export async function measurePipeOverhead(options: PipeOverheadOptions): Promise<{ local: PathResult[]; piped: PathResult[] }> {
  const workers = (await Promise.all([0, 1].map(() => mediasoup.createWorker({ logLevel: 'warn' })))) as [Worker, Worker];
  try {
    const local: PathResult[] = [];
    const piped: PathResult[] = [];
    for (let round = 0; round < 2; round++) {
      local.push(await runPath('local', workers, options));
      piped.push(await runPath('piped', workers, options));
    }
    return { local, piped };
  } finally {
    for (const worker of workers) worker.close();
  }
}
