/**
 * SIGTERM during a call, on the real built server (`node dist/server/main.js` in a child process, as
 * Docker runs it): every client is told with close code 4004 SHUTDOWN, the mediasoup worker exits,
 * and the process exits 0 well within 10 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import t from 'tap';
import { CLOSE_CODES } from '../../protocol/errors.js';
import type { SignalCloseEvent } from '../../client/src/signal/signal-error.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'server', 'main.js');

/** Newest modification time under `dir` (recursively). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

// The test is about the built server; a build older than the sources would test old code.
const built = fs.existsSync(MAIN) ? fs.statSync(MAIN).mtimeMs : 0;
if (built < Math.max(newest(path.join(ROOT, 'server')), newest(path.join(ROOT, 'protocol')))) {
  t.comment('dist/ is older than the sources: building the server (tsc -p tsconfig.build.json)');
  execFileSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

interface LogLine {
  msg?: string;
  port?: number;
  pid?: number;
  worker?: number;
  [key: string]: unknown;
}

const child = spawn(process.execPath, [MAIN], {
  cwd: ROOT,
  env: {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    RTC_PORT: '0',
    RTC_LISTEN_IP: '127.0.0.1',
    ANNOUNCED_IP: '127.0.0.1',
    WORKERS: '1',
    LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const logs: LogLine[] = [];
readline.createInterface({ input: child.stdout }).on('line', (line) => {
  try {
    logs.push(JSON.parse(line) as LogLine);
  } catch {
    logs.push({ msg: line });
  }
});
child.stderr.on('data', (chunk: Buffer) => t.comment(`server stderr: ${chunk.toString().trim()}`));
const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
  child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
);
t.teardown(() => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const up = await waitFor(() => logs.find((line) => line.msg?.startsWith('Shouwang is up')), {
  timeout: 30_000,
  message: 'the server to log that it is up',
});
const wsUrl = `ws://127.0.0.1:${up.port}/ws`;
const workerPid = logs.find((line) => line.msg === 'mediasoup worker started')?.pid;

const alice = await FakePeer.join(wsUrl, 'call', 'Alice', { resume: false });
const bob = await FakePeer.join(wsUrl, 'call', 'Bob', { resume: false });
const lurker = await RawSocket.open(wsUrl);
t.teardown(() => {
  alice.close();
  bob.close();
  lurker.close();
});
await alice.produce('mic');
await alice.produce('camera');
await waitFor(() => bob.consumersFrom(alice.peerId).length === 2, { message: 'Bob consumes Alice' });
const closes = [alice, bob].map((peer) => new Promise<SignalCloseEvent>((resolve) => peer.signal.onClose(resolve)));

const signalledAt = Date.now();
child.kill('SIGTERM');
const exit = await exited;

t.test('the process exits cleanly and in time', async (t) => {
  t.equal(exit.code, 0, 'exit code 0');
  t.equal(exit.signal, null, 'not killed by a signal');
  // Exit code 0 also means the 10 s limit did not cut the shutdown short (that exits 1).
  t.ok(logs.some((line) => line.msg === 'shut down cleanly'), 'logged a clean shutdown');
  t.notOk(logs.some((line) => line.msg?.includes('took too long')), 'the 10 s limit did not have to cut it short');
  t.comment(`exited ${exit.at - signalledAt} ms after SIGTERM`);
});

t.test('every client is told the server is shutting down', async (t) => {
  for (const [name, close] of [['Alice', closes[0]], ['Bob', closes[1]]] as const) {
    const event = await close;
    t.equal(event?.code, CLOSE_CODES.SHUTDOWN, `${name}: close code 4004 SHUTDOWN`);
    t.match(event?.reason, /shutting down/, `${name}: with the reason`);
  }
  await waitFor(() => lurker.closeEvent, { message: 'the socket that never joined to be closed' });
  t.equal(lurker.closeEvent?.code, CLOSE_CODES.SHUTDOWN, 'a socket that never joined gets 4004 too');
});

t.test('the mediasoup worker is gone', async (t) => {
  t.ok(workerPid, 'the worker pid was logged');
  const alive = (() => {
    try {
      process.kill(workerPid as number, 0);
      return true;
    } catch {
      return false;
    }
  })();
  t.notOk(alive, `worker ${workerPid} has exited`);
});
