/**
 * A throwaway redis-server (Debian's package) on a free loopback port, with no persistence: tests
 * never touch the system's Redis service. `restart()` kills it and starts a fresh, empty one on the
 * same port, as a Redis crash would look to the cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Test } from 'tap';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGKILL), e.g. to test a Redis outage; `start()` brings it back. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Idempotent; also registered with `t.teardown`. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(t: Test): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const process = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = process;
    // Also when the test file dies before its teardown (see cluster-processes.ts).
    const killOnExit = (): void => void process.kill('SIGKILL');
    globalThis.process.once('exit', killOnExit);
    process.once('exit', () => globalThis.process.off('exit', killOnExit));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
      const poll = (): void => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.end();
          clearTimeout(timer);
          resolve();
        });
        socket.once('error', () => setTimeout(poll, 50));
      };
      process.once('exit', (code) => reject(new Error(`redis-server exited (${code}); is it installed? apt-get install redis-server`)));
      poll();
    });
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  t.teardown(kill);
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, close: kill };
}
