/**
 * A real Shouwang server in its own process (the built `server/main.js`), so a benchmark measures the
 * server's memory and CPU alone, not the load generator's. Configured through the environment like a
 * deployment (server/config.ts); benchmarks raise limits there, never by changing defaults.
 *
 * The server is compiled into a private directory (.cache/bench-server/, ignored by git) whenever a
 * source file is newer than that build, so a benchmark never runs stale code and never writes into
 * the dist/ other people use.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer, waitForHealthz } from '../../test/helpers/spawn-server.js';
import { childrenOf, commandOf, rssOf } from './proc.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const buildDir = path.join(repoRoot, '.cache', 'bench-server');
const mainJs = path.join(buildDir, 'dist', 'server', 'main.js');

export interface ServerProcess {
  pid: number;
  url: string;
  wsUrl: string;
  /** The mediasoup-worker processes (one per WORKERS). */
  workerPids(): number[];
  /** RSS of the Node process alone, and of all its workers, in bytes. */
  memory(): { nodeRss: number; workerRss: number };
  /** The last lines the server printed (for error messages). */
  output(): string;
  /** Idempotent: SIGTERM, then SIGKILL if it does not exit within 10 s. */
  close(): Promise<void>;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Compiles server/ and protocol/ with the project's build config into the private directory. */
export function buildServer(log: (message: string) => void = () => undefined): string {
  const built = fs.existsSync(mainJs) ? fs.statSync(mainJs).mtimeMs : 0;
  const sources = Math.max(newestSource(path.join(repoRoot, 'server')), newestSource(path.join(repoRoot, 'protocol')));
  if (built > sources) return mainJs;
  log(`building the server into ${path.relative(repoRoot, buildDir)}/`);
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(buildDir, 'dist')], { cwd: repoRoot, stdio: 'pipe' });
  } catch (error) {
    // tsc still emits on type errors (someone mid-edit elsewhere); only a missing output is fatal.
    if (!fs.existsSync(mainJs)) throw new Error(`building the server failed: ${String((error as { stdout?: Buffer }).stdout ?? error)}`);
    log('the build reported type errors (emitted anyway)');
  }
  // tsc keeps old mtimes for unchanged output: mark the build as fresh.
  const now = new Date();
  fs.utimesSync(mainJs, now, now);
  return mainJs;
}

export interface ServerProcessOptions {
  /** Environment on top of loopback-only, one-worker, quiet defaults. */
  env?: Record<string, string>;
  /**
   * Run server/main.ts through the TypeScript loader (transpile only) instead of building: starts in
   * seconds, for the benchmarks' smoke tests. Its RSS includes the compiler: never for measurements.
   */
  fromSource?: boolean;
  log?: (message: string) => void;
}

/** Starts the server and waits for /healthz and its mediasoup worker. */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const { env = {}, log } = options;
  const server = await spawnServer({
    ...(options.fromSource ? {} : { script: buildServer(log) }),
    baseEnv: process.env,
    env: { LOG_LEVEL: 'warn', CLIENT_DIR: path.join(repoRoot, 'dist', 'client'), ...env },
  });
  const { child, pid, url } = server;
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (server.exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await server.exit;
      clearTimeout(timer);
    })());
  const workerPids = (): number[] => childrenOf(pid).filter((child) => commandOf(child).startsWith('mediasoup-work'));
  try {
    await waitForHealthz(server, {
      timeout: 30_000,
      message: 'the server process to be ready (/healthz)',
      exitedError: () => `the server exited: ${output}`,
      ready: () => workerPids().length > 0,
    });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    pid,
    url,
    wsUrl: server.wsUrl,
    workerPids,
    memory: () => ({ nodeRss: rssOf(pid), workerRss: workerPids().reduce((sum, worker) => sum + rssOf(worker), 0) }),
    output: () => output,
    close,
  };
}

/** The server's Prometheus gauges by name (e.g. `shouwang_consumers`), from GET /metrics. */
export async function serverGauges(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauges = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(shouwang_[a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (match) gauges.set(match[1]!, (gauges.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return gauges;
}
