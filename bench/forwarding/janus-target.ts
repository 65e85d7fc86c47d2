/**
 * Forwarding target (c): Janus 1.1.2 from Debian (`apt-get install janus`), VideoRoom plugin, in a
 * private configuration (temporary folder, only the VideoRoom plugin and the HTTP API on 127.0.0.1).
 *
 * The same load, as close as Janus allows without WebRTC clients:
 * - each producer is a VideoRoom "remote publisher" (the room-cascading feature): Janus receives its
 *   RTP on a UDP port and relays it inside the room like any publisher's. Janus 1.1.2's remote
 *   publishers take plain RTP only (the .so does not even link srtp_unprotect; SRTP input came later),
 *   so Janus is spared the ingress decryption the mediasoup targets do - 1 packet in M+1 it handles;
 * - each viewer is an `rtp_forward` of that publisher to the sink, SRTP-encrypted per forwarder.
 * What differs: Janus forwarders only offer AES_CM_128_HMAC_SHA1_80 (not AES-GCM), so Janus runs with
 * that suite and the mediasoup targets with AEAD_AES_256_GCM (what browsers negotiate with mediasoup);
 * the ceiling is measured for both. Janus is multi-threaded (one thread per remote publisher), so its
 * CPU is the whole process's, and "per core" divides by the cores it used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomKey, randomSsrc } from './mediasoup-plain.js';
import type { ProducerEndpoint } from './target-ipc.js';
import type { ForwardingTarget } from './target.js';

const JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';
/** Janus maps a remote publisher's packets to its streams by SSRC: 1000 + 10 × mindex (janus_videoroom.c). */
const REMOTE_PUBLISHER_SSRC = 1000;
const ROOM = 1234;

export function janusAvailable(): boolean {
  return fs.existsSync('/usr/bin/janus') && fs.existsSync(path.join(JANUS_LIB, 'plugins', 'libjanus_videoroom.so'));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function writeConfig(dir: string, httpPort: number): void {
  // Only the two modules we use, so nothing else starts (and nothing listens beyond 127.0.0.1).
  for (const [folder, file] of [['plugins', 'libjanus_videoroom.so'], ['transports', 'libjanus_http.so']] as const) {
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    fs.symlinkSync(path.join(JANUS_LIB, folder, file), path.join(dir, folder, file));
  }
  fs.mkdirSync(path.join(dir, 'events'));
  fs.mkdirSync(path.join(dir, 'loggers'));
  fs.writeFileSync(
    path.join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${dir}/plugins"
  transports_folder = "${dir}/transports"
  events_folder = "${dir}/events"
  loggers_folder = "${dir}/loggers"
  debug_level = 3
  session_timeout = 0
}
media: {
  rtp_port_range = "30000-39999"
}
nat: {
  ice_enforce_list = "lo"
}
`,
  );
  fs.writeFileSync(
    path.join(dir, 'janus.transport.http.jcfg'),
    `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${httpPort}
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
}
`,
  );
  fs.writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
}

export class JanusTarget implements ForwardingTarget {
  readonly name = 'janus';
  readonly label = 'Janus 1.1.2 VideoRoom';
  readonly suite = 'cm80' as const;
  readonly ingressSuite = 'none' as const;
  #process: ChildProcess | undefined;
  #dir = '';
  #url = '';
  #handleUrl = '';
  #viewers = 0;
  #sinkPort = 0;
  #log = '';

  async init(viewers: number, sinkPort: number): Promise<void> {
    this.#viewers = viewers;
    this.#sinkPort = sinkPort;
    this.#dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shouwang-janus-'));
    const httpPort = await freePort();
    writeConfig(this.#dir, httpPort);
    this.#process = spawn('janus', ['-C', path.join(this.#dir, 'janus.jcfg'), '-F', this.#dir, '-o'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString()).slice(-8000);
    };
    this.#process.stdout!.on('data', keep);
    this.#process.stderr!.on('data', keep);
    this.#url = `http://127.0.0.1:${httpPort}/janus`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const info = await fetch(`${this.#url}/info`);
        if (info.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || this.#process.exitCode !== null) throw new Error(`Janus did not start:\n${this.#log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const session = await this.#post(this.#url, { janus: 'create' });
    const sessionUrl = `${this.#url}/${(session.data as { id: number }).id}`;
    const handle = await this.#post(sessionUrl, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    this.#handleUrl = `${sessionUrl}/${(handle.data as { id: number }).id}`;
    await this.#videoroom({ request: 'create', room: ROOM, publishers: 10_000, videocodec: 'vp8', is_private: true });
  }

  async addProducers(count: number): Promise<ProducerEndpoint[]> {
    const producers: ProducerEndpoint[] = [];
    for (let i = 0; i < count; i++) {
      const keyBase64 = randomKey(this.suite);
      const publisher = await this.#videoroom({
        request: 'add_remote_publisher',
        room: ROOM,
        iface: '127.0.0.1',
        streams: [{ type: 'video', mindex: 0, mid: '0', codec: 'vp8' }],
      });
      const consumers: ProducerEndpoint['consumers'] = [];
      for (let v = 0; v < this.#viewers; v++) {
        const consumer = { ssrc: randomSsrc(), keyBase64: randomKey(this.suite) };
        await this.#untilFeedExists(() => this.#videoroom({
          request: 'rtp_forward',
          room: ROOM,
          publisher_id: publisher.id,
          host: '127.0.0.1',
          // Janus 1.1.2 reads the SRTP settings of a forwarder from the request, not from the stream.
          srtp_suite: 80,
          srtp_crypto: consumer.keyBase64,
          streams: [{ mid: '0', port: this.#sinkPort, ssrc: consumer.ssrc }],
        }));
        consumers.push(consumer);
      }
      producers.push({ port: publisher.port as number, ssrc: REMOTE_PUBLISHER_SSRC, keyBase64, consumers });
    }
    return producers;
  }

  pids(): { media: number } {
    return { media: this.#process!.pid! };
  }

  async close(): Promise<void> {
    const child = this.#process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.#dir) fs.rmSync(this.#dir, { recursive: true, force: true });
  }

  /** A remote publisher joins its room from its own thread, a moment after `add_remote_publisher` answered. */
  async #untilFeedExists<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (attempt >= 100 || !String(error).includes('"error_code":428')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  async #post(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ ...body, transaction: Math.random().toString(36).slice(2) }) });
    const json = (await response.json()) as Record<string, unknown>;
    if (json.janus === 'error') throw new Error(`Janus: ${JSON.stringify(json.error)}`);
    return json;
  }

  /** A synchronous VideoRoom request; returns the plugin's answer. */
  async #videoroom(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = await this.#post(this.#handleUrl, { janus: 'message', body });
    const data = (reply.plugindata as { data?: Record<string, unknown> } | undefined)?.data;
    if (!data || data.error) throw new Error(`Janus VideoRoom ${String(body.request)}: ${JSON.stringify(data ?? reply)}`);
    return data;
  }
}
