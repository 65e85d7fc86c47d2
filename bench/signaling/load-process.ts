/**
 * A child process of the signaling scale benchmark that holds a share of the peers (bench-peer.ts)
 * and runs what its parent asks over IPC (load-messages.ts). Several of them spread the load
 * generator's work, and the parent measures their CPU from outside.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BenchPeer } from './bench-peer.js';
import type { LoadCommand, LoadReport, PeerSpec } from './load-messages.js';

const peers: BenchPeer[] = [];

function send(report: LoadReport): void {
  process.send?.(report);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function join(wsUrl: string, specs: PeerSpec[], concurrency: number): Promise<void> {
  const connectMs: number[] = [];
  const joinMs: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      try {
        const { peer, ms } = await BenchPeer.connect(wsUrl);
        connectMs.push(ms);
        const joined = await peer.request('join', { roomId: spec.roomId, displayName: spec.displayName });
        joinMs.push(joined.ms);
        peers.push(peer);
      } catch (error) {
        failures.push(`${spec.displayName}: ${describe(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  send({ type: 'joined', connectMs, joinMs, failures });
}

async function ping(durationMs: number, intervalMs: number): Promise<void> {
  const rttMs: number[] = [];
  const failures: string[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const end = performance.now() + durationMs;
  const inFlight: Promise<void>[] = [];
  const timers = peers.map((peer) => {
    const tick = (): void => {
      if (performance.now() >= end) return;
      inFlight.push(
        peer.request('ping', {}).then(
          ({ ms }) => void rttMs.push(ms),
          (error: unknown) => void failures.push(describe(error)),
        ),
      );
    };
    // A random phase spreads the requests evenly over the interval, like independent clients.
    const start = setTimeout(() => {
      tick();
      interval.ref = setInterval(tick, intervalMs);
    }, Math.random() * intervalMs);
    const interval: { ref?: NodeJS.Timeout } = {};
    return { start, interval };
  });
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  for (const { start, interval } of timers) {
    clearTimeout(start);
    clearInterval(interval.ref);
  }
  await Promise.all(inFlight);
  loop.disable();
  const notifications = peers.reduce((sum, peer) => sum + peer.notifications, 0);
  send({ type: 'pinged', rttMs, failures: failures.slice(0, 20), loopDelayP99Ms: loop.percentile(99) / 1e6, notifications });
}

process.on('message', (command: LoadCommand) => {
  if (command.type === 'join') void join(command.wsUrl, command.peers, command.concurrency);
  else if (command.type === 'ping') void ping(command.durationMs, command.intervalMs);
  else {
    for (const peer of peers) peer.close();
    process.disconnect?.();
    setTimeout(() => process.exit(0), 200).unref();
  }
});
send({ type: 'ready' });
