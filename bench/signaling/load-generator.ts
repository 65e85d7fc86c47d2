/**
 * The parent side of the signaling load generator: forks the load processes (load-process.ts, run
 * through the same TypeScript loader as the benchmark), hands each its share of peers, and gathers
 * their reports.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadCommand, LoadReport, PeerSpec } from './load-messages.js';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-process.ts');

type ReportOf<T extends LoadReport['type']> = Extract<LoadReport, { type: T }>;

class LoadProcess {
  readonly child: ChildProcess;
  readonly #waiting = new Map<string, (report: LoadReport) => void>();
  #exited = false;
  readonly #exit: Promise<void>;

  constructor() {
    this.child = fork(script, [], {
      execArgv: ['--import=@tapjs/typescript/import'],
      // tsc type-checks each file it loads: skip that in the children (the benchmark is checked as a whole).
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (report: LoadReport) => {
      const waiter = this.#waiting.get(report.type);
      this.#waiting.delete(report.type);
      waiter?.(report);
    });
    this.#exit = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        this.#exited = true;
        for (const waiter of this.#waiting.values()) waiter({ type: 'joined', connectMs: [], joinMs: [], failures: [`load process exited (${code})`] });
        resolve();
      }),
    );
  }

  next<T extends LoadReport['type']>(type: T): Promise<ReportOf<T>> {
    return new Promise((resolve) => this.#waiting.set(type, resolve as (report: LoadReport) => void));
  }

  send(command: LoadCommand): void {
    if (!this.#exited) this.child.send(command);
  }

  async stop(): Promise<void> {
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.#exit;
    clearTimeout(timer);
  }
}

export class LoadGenerator {
  readonly #processes: LoadProcess[];
  #assigned = 0;

  private constructor(processes: LoadProcess[]) {
    this.#processes = processes;
  }

  static async start(count: number): Promise<LoadGenerator> {
    const processes = Array.from({ length: count }, () => new LoadProcess());
    await Promise.all(processes.map((p) => p.next('ready')));
    return new LoadGenerator(processes);
  }

  pids(): number[] {
    return this.#processes.flatMap((p) => (p.child.pid === undefined ? [] : [p.child.pid]));
  }

  /** Joins `specs`, spread round-robin over the processes; `concurrency` joins in flight per process. */
  async join(wsUrl: string, specs: PeerSpec[], concurrency: number): Promise<ReportOf<'joined'>> {
    const shares: PeerSpec[][] = this.#processes.map(() => []);
    for (const spec of specs) shares[this.#assigned++ % shares.length]!.push(spec);
    const reports = await Promise.all(
      this.#processes.map((p, i) => {
        const report = p.next('joined');
        p.send({ type: 'join', wsUrl, peers: shares[i]!, concurrency });
        return report;
      }),
    );
    return {
      type: 'joined',
      connectMs: reports.flatMap((r) => r.connectMs),
      joinMs: reports.flatMap((r) => r.joinMs),
      failures: reports.flatMap((r) => r.failures),
    };
  }

  async ping(durationMs: number, intervalMs: number): Promise<ReportOf<'pinged'>> {
    const reports = await Promise.all(
      this.#processes.map((p) => {
        const report = p.next('pinged');
        p.send({ type: 'ping', durationMs, intervalMs });
        return report;
      }),
    );
    return {
      type: 'pinged',
      rttMs: reports.flatMap((r) => r.rttMs),
      failures: reports.flatMap((r) => r.failures),
      loopDelayP99Ms: Math.max(...reports.map((r) => r.loopDelayP99Ms)),
      notifications: reports.reduce((sum, r) => sum + r.notifications, 0),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.stop()));
  }
}
