/**
 * Running podman and podman-compose from a test (shared notes: containers.md): commands with the
 * project's podman configuration, their output kept for the failure message, and free host ports for
 * a compose stack's published ports.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CACHE = process.env.SHOUWANG_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'shouwang');

/** What podman needs on the project's machines (scripts/container-env.sh writes this file). */
export const PODMAN_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? path.join(CACHE, 'containers', 'containers.conf'),
};

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end; rejects (with the tail of its output) when it fails or times out. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; allowFailure?: boolean; cwd?: string } = {},
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? PODMAN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not start: ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr, ms: Date.now() - started };
      if (code === 0 || options.allowFailure) resolve(result);
      else {
        const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
        reject(new Error(`${command} ${args.join(' ')} exited ${code ?? 'by a signal (timeout?)'} after ${result.ms} ms:\n${tail}`));
      }
    });
  });
}

async function tcpFree(port: number): Promise<boolean> {
  const server = net.createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => resolve(true));
  });
  if (free) await new Promise((resolve) => server.close(resolve));
  return free;
}

async function udpFree(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  const free = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '0.0.0.0', () => resolve(true));
  });
  socket.close();
  return free;
}

/**
 * `count` consecutive ports, free for both TCP and UDP, at or above `from`. Ports are probed, not held:
 * something else could take one before the stack starts, which then fails loudly on `up`.
 */
export async function freePorts(count: number, from: number, taken: Set<number> = new Set()): Promise<number> {
  for (let first = from; first + count < 65_000; first += count) {
    let ok = true;
    for (let port = first; ok && port < first + count; port++) {
      ok = !taken.has(port) && (await tcpFree(port)) && (await udpFree(port));
    }
    if (ok) {
      for (let port = first; port < first + count; port++) taken.add(port);
      return first;
    }
  }
  throw new Error(`no ${count} free consecutive ports from ${from}`);
}
