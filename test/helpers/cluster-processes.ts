/**
 * Shouwang nodes as real processes (`server/main.ts`, as `npm start` runs it) sharing a test Redis, on
 * loopback ports: what a node-loss test needs, since a node must be killable with SIGKILL without
 * taking the test down. Every process is killed at teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { TEST_CLUSTER_SECRET } from './cluster.js';
import { freePort } from './redis.js';
import { waitFor } from './wait.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface NodeProcess {
  id: string;
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  wsUrl: string;
  pid: number;
  /** Whether the process still runs. */
  readonly alive: boolean;
  /** SIGKILL: the node vanishes without a word, as in a crash or a power cut. */
  kill(): Promise<void>;
  /** SIGTERM: the node shuts down as an operator stops it; resolves with its exit code. */
  stop(): Promise<number | null>;
  /** The file its stdout and stderr (pino JSON lines) go to. */
  logFile: string;
}

export interface NodeProcessOptions {
  redisUrl: string;
  env?: Record<string, string>;
}

/** One folder per test process for the nodes' logs; kept after the run (they explain a failure). */
let logDir: string | undefined;

/** The last `lines` lines of a log file, for a failing test's output. */
function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startNodeProcess(t: Test, id: string, options: NodeProcessOptions): Promise<NodeProcess> {
  const port = await freePort();
  if (!logDir) {
    logDir = mkdtempSync(path.join(os.tmpdir(), 'shouwang-cluster-'));
    t.comment(`node logs: ${logDir}`);
  }
  const logFile = path.join(logDir, `${id}.log`);
  const child: ChildProcess = spawn(process.execPath, ['--import=@tapjs/typescript/import', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      // As tap runs test files: TypeScript stripped, not type-checked (tsc does that). Type-checking the
      // whole server in each node process took ~20 s per node on a loaded 2-core machine, which alone
      // pushed a cluster test file past tap's timeout in the full suite.
      TS_NODE_TRANSPILE_ONLY: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      RTC_PORT: '0',
      RTC_LISTEN_IP: '127.0.0.1',
      ANNOUNCED_IP: '127.0.0.1',
      WORKERS: '1',
      // Info: joins, moves, pipes, Redis reconnects and take-overs are what explain a failure.
      LOG_LEVEL: 'info',
      REDIS_URL: options.redisUrl,
      CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      NODE_ID: id,
      ...options.env,
    },
    // Pipes, not the test's own stdout: a node orphaned by a killed test (tap's timeout) must not keep
    // tap's output open, and it dies of EPIPE at its next log line.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Into a file through this process: the pipes stay ours (see above), and the log is there to read
  // when a test fails (printed then) or after the run.
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let exited = false;
  // A test file that dies before its teardown (a throw at top level, e.g. a node that never started)
  // must not leave nodes behind: an idle node logs nothing, so EPIPE alone would never end it.
  const killOnExit = (): void => void (exited || child.kill('SIGKILL'));
  process.once('exit', killOnExit);
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  const kill = async (): Promise<void> => {
    if (!exited) child.kill('SIGKILL');
    await exit;
  };
  const stop = async (): Promise<number | null> => {
    if (!exited) child.kill('SIGTERM');
    return exit;
  };
  t.teardown(async () => {
    await kill();
    if (!t.passing()) t.comment(`node ${id} log (${logFile}), last lines:\n${tail(logFile, 80)}`);
    log.end();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (exited) throw new Error(`node ${id} exited during start`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    // Loading the server's TypeScript takes seconds alone, and a minute or more on a machine loaded
    // by other test files (three nodes start at once).
    { timeout: 120_000, message: `node ${id} to answer /healthz` },
  );
  return {
    id,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid!,
    logFile,
    get alive() {
      return !exited;
    },
    kill,
    stop,
  };
}
