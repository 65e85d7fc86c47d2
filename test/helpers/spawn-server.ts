/**
 * A Shouwang server in a process of its own, on free loopback ports with one worker: the one way the
 * cluster tests (cluster-processes.ts, nodes to kill) and the benchmarks (bench/lib/server-process.ts,
 * a server measured apart from its load) start one. What the process's output becomes and how it ends
 * is theirs to decide; both wait for /healthz here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './redis.js';
import { waitFor } from './wait.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface SpawnServerOptions {
  /** A built `server/main.js` to run; without it, `server/main.ts` through the TypeScript loader. */
  script?: string;
  /** What the process inherits; by default only PATH and HOME. */
  baseEnv?: NodeJS.ProcessEnv;
  /** On top of the loopback, one-worker settings. */
  env?: Record<string, string>;
}

export interface SpawnedServer {
  child: ChildProcess;
  pid: number;
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  wsUrl: string;
  readonly exited: boolean;
  /** Settles with the exit code once the process exited. */
  exit: Promise<number | null>;
}

export async function spawnServer(options: SpawnServerOptions = {}): Promise<SpawnedServer> {
  const port = await freePort();
  const child = spawn(process.execPath, options.script === undefined ? ['--import=@tapjs/typescript/import', 'server/main.ts'] : [options.script], {
    cwd: ROOT,
    env: {
      ...(options.baseEnv ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' }),
      // As tap runs test files: TypeScript stripped, not type-checked (tsc does that). Type-checking the
      // whole server in each node process took ~20 s per node on a loaded 2-core machine, which alone
      // pushed a cluster test file past tap's timeout in the full suite.
      ...(options.script === undefined ? { TS_NODE_TRANSPILE_ONLY: '1' } : {}),
      PORT: String(port),
      HOST: '127.0.0.1',
      RTC_PORT: '0',
      RTC_LISTEN_IP: '127.0.0.1',
      ANNOUNCED_IP: '127.0.0.1',
      WORKERS: '1',
      ...options.env,
    },
    // Pipes, not the test's own stdout: a node orphaned by a killed test (tap's timeout) must not keep
    // tap's output open, and it dies of EPIPE at its next log line.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server process did not start');
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  return {
    child,
    pid,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    get exited() {
      return exited;
    },
    exit,
  };
}

export interface HealthzWait {
  timeout: number;
  message: string;
  /** What the error says if the process exited while it was awaited. */
  exitedError(): string;
  /** Whatever else must hold besides a 200 from /healthz. */
  ready?(): boolean;
}

/** Polls /healthz until it answers 200 (and `ready()` holds). */
export function waitForHealthz(server: SpawnedServer, options: HealthzWait): Promise<void> {
  return waitFor(
    async () => {
      if (server.exited) throw new Error(options.exitedError());
      const response = await fetch(`${server.url}/healthz`);
      return response.ok && (options.ready?.() ?? true);
    },
    { timeout: options.timeout, message: options.message },
  ).then(() => undefined);
}
