/**
 * Shouwang nodes as real processes (`server/main.ts`, as `npm start` runs it) sharing a test Redis, on
 * loopback ports: what a node-loss test needs, since a node must be killable with SIGKILL without
 * taking the test down. Every process is killed at teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
}

export interface NodeProcessOptions {
  redisUrl: string;
  env?: Record<string, string>;
}

export async function startNodeProcess(t: Test, id: string, options: NodeProcessOptions): Promise<NodeProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import=@tapjs/typescript/import', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      PORT: String(port),
      HOST: '127.0.0.1',
      RTC_PORT: '0',
      RTC_LISTEN_IP: '127.0.0.1',
      ANNOUNCED_IP: '127.0.0.1',
      WORKERS: '1',
      LOG_LEVEL: 'warn',
      REDIS_URL: options.redisUrl,
      CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      NODE_ID: id,
      ...options.env,
    },
    // Pipes, not the test's own stdout: a node orphaned by a killed test (tap's timeout) must not keep
    // tap's output open, and it dies of EPIPE at its next log line.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(process.stdout);
  child.stderr?.pipe(process.stderr);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const kill = async (): Promise<void> => {
    if (!exited) child.kill('SIGKILL');
    await exit;
  };
  t.teardown(kill);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (exited) throw new Error(`node ${id} exited during start`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    { timeout: 60_000, message: `node ${id} to answer /healthz` },
  );
  return {
    id,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid!,
    get alive() {
      return !exited;
    },
    kill,
  };
}
