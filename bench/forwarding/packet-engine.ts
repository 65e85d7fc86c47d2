/**
 * Node handles on the srtp-udp processes (srtp-udp.c): the SRTP sender that replays the clip, the sink
 * that counts what an SFU forwarded, and the ceiling probe. They run as child processes so their CPU
 * is theirs, measurable and off the SFU's core accounting.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { rtpClip, srtpUdpBinary } from './rtp-source.js';

/** SRTP suites by their srtp-udp name and mediasoup's. Janus's forwarders only know AES_CM_128_HMAC_SHA1_*. */
export const SUITES = {
  gcm256: { mediasoup: 'AEAD_AES_256_GCM', keyBytes: 44 },
  gcm128: { mediasoup: 'AEAD_AES_128_GCM', keyBytes: 28 },
  cm80: { mediasoup: 'AES_CM_128_HMAC_SHA1_80', keyBytes: 30 },
} as const;
export type Suite = keyof typeof SUITES;

export interface SinkReport {
  streams: number;
  received: number;
  expected: number;
  verified: number;
  /** Packets that failed SRTP authentication. */
  authFail: number;
  /** Packets that authenticated but did not decrypt to our VP8 payload descriptor. */
  badPayload: number;
  /** Sequence-number jumps (over 3,000) the sink restarted its loss count at. */
  resyncs: number;
  rtcp: number;
  bytes: number;
  unknown: number;
  /** CPU seconds the sink process used so far. */
  cpu: number;
}

/** [ssrc, received, expected, verified, failed (authentication or payload)] per stream. */
export type SinkDetail = Array<[number, number, number, number, number]>;

class LineProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #waiting: Array<{ test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  #stderr = '';
  #exited = false;

  constructor(args: string[]) {
    this.child = spawn(srtpUdpBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    this.child.on('exit', () => {
      this.#exited = true;
    });
    createInterface({ input: this.child.stdout }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      const index = this.#waiting.findIndex((w) => w.test(line));
      if (index >= 0) this.#waiting.splice(index, 1)[0]!.resolve(line);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  next(key: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (this.#exited) return reject(new Error(`srtp-udp exited: ${this.#stderr}`));
      const timer = setTimeout(() => reject(new Error(`srtp-udp: no "${key}" within ${timeoutMs} ms; stderr: ${this.#stderr}`)), timeoutMs);
      this.#waiting.push({ test: (line) => key in line, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }

  /** Closes stdin (the tool's signal to exit) and waits for it to go. */
  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

export interface SendStream {
  port: number;
  ssrc: number;
  /** `none`: plain RTP (for an SFU that takes no SRTP input). */
  suite: Suite | 'none';
  keyBase64: string;
}

/** Replays the clip to every added stream, each at ~180 packets/s, until closed. */
export class RtpSender {
  readonly #process: LineProcess;

  constructor() {
    this.#process = new LineProcess(['send', rtpClip().file]);
  }

  get pid(): number {
    return this.#process.pid;
  }

  async add(streams: SendStream[]): Promise<void> {
    for (const s of streams) {
      const keyHex = s.suite === 'none' ? '00' : Buffer.from(s.keyBase64, 'base64').toString('hex');
      this.#process.send(`stream 127.0.0.1 ${s.port} ${s.ssrc} ${s.suite} ${keyHex}`);
      await this.#process.next('added');
    }
  }

  close(): Promise<void> {
    return this.#process.close();
  }
}

/** One UDP port on 127.0.0.1 that every consumer sends to; streams are told apart by SSRC. */
export class SrtpSink {
  readonly #process: LineProcess;
  port = 0;

  private constructor(port: number) {
    this.#process = new LineProcess(['sink', String(port)]);
  }

  static async start(port = 0): Promise<SrtpSink> {
    const sink = new SrtpSink(port);
    sink.port = Number((await sink.#process.next('port')).port);
    return sink;
  }

  get pid(): number {
    return this.#process.pid;
  }

  /** Lets the sink decrypt every `every`-th packet of `ssrc` (1: all of them) to prove SRTP is right. */
  async key(ssrc: number, suite: Suite, keyBase64: string, every = 1): Promise<void> {
    this.#process.send(`key ${ssrc} ${suite} ${Buffer.from(keyBase64, 'base64').toString('hex')} ${every}`);
    await this.#process.next('keys');
  }

  /** Starts a measurement window: counters restart; a stream's expected packets count from its next one. */
  mark(): void {
    this.#process.send('mark');
  }

  async report(): Promise<SinkReport> {
    this.#process.send('report');
    return (await this.#process.next('received')) as unknown as SinkReport;
  }

  async detail(): Promise<SinkDetail> {
    this.#process.send('detail');
    return (await this.#process.next('detail')).detail as SinkDetail;
  }

  close(): Promise<void> {
    return this.#process.close();
  }
}

export interface CeilingResult {
  packets: number;
  errors: number;
  wallS: number;
  cpuS: number;
  /** Packets encrypted and sent per second of CPU: the most one core can forward. */
  ppsPerCore: number;
}

/**
 * The physical ceiling: one thread that SRTP-encrypts (with `streams` keys in turn) and sends the
 * clip's packets as fast as it can. `suite` none: send only; `send` false: encrypt only.
 */
export async function measureCeiling(sinkPort: number, suite: Suite | 'none', streams: number, seconds: number, send = true): Promise<CeilingResult> {
  const host = send ? '127.0.0.1' : '-';
  const probe = new LineProcess(['ceiling', rtpClip().file, host, String(sinkPort), suite, String(streams), String(seconds)]);
  const result = (await probe.next('ppsPerCore', (seconds + 10) * 1000)) as unknown as CeilingResult;
  await probe.close();
  return result;
}
