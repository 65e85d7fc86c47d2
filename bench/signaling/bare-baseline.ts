/**
 * Runs the same load as the scale benchmark's largest step against the bare WebSocket server
 * (bare-server.ts): connect + "join" K peers, then the same ping window.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize, type Summary } from '../lib/distribution.js';
import { cpuWindow, rssOf } from '../lib/proc.js';
import { LoadGenerator } from './load-generator.js';

export interface BareBaseline {
  peers: number;
  idleRss: number;
  rss: number;
  join: Summary;
  ping: Summary;
  serverCpu: number;
  failures: number;
}

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bare-server.ts');

export async function runBareBaseline(options: {
  peers: number;
  loadProcesses: number;
  joinConcurrency: number;
  pingWindowMs: number;
  pingIntervalMs: number;
}): Promise<BareBaseline> {
  const child = fork(script, [], {
    execArgv: ['--import=@tapjs/typescript/import'],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as { port: number }));
      child.once('exit', (code) => reject(new Error(`the bare server exited (${code})`)));
    });
    const pid = child.pid!;
    const idleRss = rssOf(pid);
    const generator = await LoadGenerator.start(options.loadProcesses);
    try {
      const specs = Array.from({ length: options.peers }, (_, i) => ({ roomId: `bare-${Math.floor(i / 5)}`, displayName: `Peer ${i}` }));
      const joined = await generator.join(`ws://127.0.0.1:${port}`, specs, options.joinConcurrency);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const cpu = cpuWindow(() => [pid]);
      const pinged = await generator.ping(options.pingWindowMs, options.pingIntervalMs);
      return {
        peers: joined.joinMs.length,
        idleRss,
        rss: rssOf(pid),
        join: summarize(joined.joinMs),
        ping: summarize(pinged.rttMs),
        serverCpu: cpu.stop(),
        failures: joined.failures.length + pinged.failures.length,
      };
    } finally {
      await generator.stop();
    }
  } finally {
    if (child.connected) child.disconnect();
    else child.kill('SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
