/**
 * An SFU under test as the forwarding benchmark sees it, whatever it is: set up `viewers` receivers,
 * add producers step by step, tell which processes to charge for the CPU, close.
 * The mediasoup targets run in a child process (bare-target.ts, shouwang-target.ts); Janus is its own
 * process driven over HTTP (janus-target.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Suite } from './packet-engine.js';
import type { ProducerEndpoint, TargetReply, TargetRequest } from './target-ipc.js';

export interface ForwardingTarget {
  readonly name: string;
  readonly label: string;
  /** The SRTP suite this target forwards with (Janus forwarders only know AES-CM). */
  readonly suite: Suite;
  /** What the producers send it: SRTP with `suite`, or plain RTP where the target cannot decrypt. */
  readonly ingressSuite: Suite | 'none';
  init(viewers: number, sinkPort: number): Promise<void>;
  addProducers(count: number): Promise<ProducerEndpoint[]>;
  /** The media process(es) whose CPU is "the SFU's core", and the control process if separate. */
  pids(): { media: number; control?: number };
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** A mediasoup-based target in a child Node process (TypeScript through tap's loader, as the tests run). */
export class ChildTarget implements ForwardingTarget {
  readonly name: string;
  readonly suite: Suite;
  readonly ingressSuite: Suite;
  label: string;
  readonly #script: string;
  #child: ChildProcess | undefined;
  #workerPid = 0;
  #pending: { resolve: (reply: TargetReply) => void; reject: (error: Error) => void } | undefined;

  /** `name` tells apart two runs of one kind (e.g. Shouwang with a second SRTP suite). */
  constructor(kind: 'shouwang' | 'bare', suite: Suite, name: string = kind) {
    this.name = name;
    this.label = kind;
    this.suite = suite;
    this.ingressSuite = suite;
    this.#script = path.join(here, `${kind}-target.ts`);
  }

  async init(viewers: number, sinkPort: number): Promise<void> {
    this.#child = fork(this.#script, {
      execArgv: ['--import=@tapjs/typescript/import'],
      // Type errors are the typecheck's job; compiling without it keeps a child's start short.
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: TargetReply) => {
      const pending = this.#pending;
      this.#pending = undefined;
      if (reply.type === 'error') pending?.reject(new Error(`${this.name} target: ${reply.message}`));
      else pending?.resolve(reply);
    });
    this.#child.on('exit', (code) => {
      this.#pending?.reject(new Error(`${this.name} target exited (${code})`));
      this.#pending = undefined;
    });
    const ready = await this.#request({ type: 'init', viewers, sinkPort, suite: this.suite });
    if (ready.type !== 'ready') throw new Error(`unexpected reply ${ready.type}`);
    this.#workerPid = ready.workerPid;
    this.label = this.name === this.label ? ready.label : `${ready.label} (${this.suite})`;
  }

  async addProducers(count: number): Promise<ProducerEndpoint[]> {
    const reply = await this.#request({ type: 'addProducers', count });
    if (reply.type !== 'producersAdded') throw new Error(`unexpected reply ${reply.type}`);
    return reply.producers;
  }

  pids(): { media: number; control?: number } {
    return { media: this.#workerPid, control: this.#child!.pid! };
  }

  async close(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'close' } satisfies TargetRequest);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  #request(request: TargetRequest): Promise<TargetReply> {
    return new Promise((resolve, reject) => {
      if (this.#pending) return reject(new Error('one request at a time'));
      this.#pending = { resolve, reject };
      this.#child!.send(request);
    });
  }
}
