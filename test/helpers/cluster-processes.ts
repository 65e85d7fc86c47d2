/**
 * Shouwang nodes as real processes (`server/main.ts`, as `npm start` runs it) sharing a test Redis, on
 * loopback ports: what a node-loss test needs, since a node must be killable with SIGKILL without
 * taking the test down. Every process is killed at teardown.
 */
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { TEST_CLUSTER_SECRET } from './cluster.js';
import { spawnServer, waitForHealthz } from './spawn-server.js';

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
  if (!logDir) {
    logDir = mkdtempSync(path.join(os.tmpdir(), 'shouwang-cluster-'));
    t.comment(`node logs: ${logDir}`);
  }
  const logFile = path.join(logDir, `${id}.log`);
  const server = await spawnServer({
    env: {
      // Info: joins, moves, pipes, Redis reconnects and take-overs are what explain a failure.
      LOG_LEVEL: 'info',
      REDIS_URL: options.redisUrl,
      CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      NODE_ID: id,
      ...options.env,
    },
  });
  const { child, exit } = server;
  // Into a file through this process: the pipes stay ours (see spawn-server.ts), and the log is there
  // to read when a test fails (printed then) or after the run.
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  // A test file that dies before its teardown (a throw at top level, e.g. a node that never started)
  // must not leave nodes behind: an idle node logs nothing, so EPIPE alone would never end it.
  const killOnExit = (): void => void (server.exited || child.kill('SIGKILL'));
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const kill = async (): Promise<void> => {
    if (!server.exited) child.kill('SIGKILL');
    await exit;
  };
  const stop = async (): Promise<number | null> => {
    if (!server.exited) child.kill('SIGTERM');
    return exit;
  };
  t.teardown(async () => {
    await kill();
    if (!t.passing()) t.comment(`node ${id} log (${logFile}), last lines:\n${tail(logFile, 80)}`);
    log.end();
  });
  await waitForHealthz(server, {
    // Loading the server's TypeScript takes seconds alone, and a minute or more on a machine loaded
    // by other test files (three nodes start at once).
    timeout: 120_000,
    message: `node ${id} to answer /healthz`,
    exitedError: () => `node ${id} exited during start`,
  });
  return {
    id,
    url: server.url,
    wsUrl: server.wsUrl,
    pid: server.pid,
    logFile,
    get alive() {
      return !server.exited;
    },
    kill,
    stop,
  };
}
