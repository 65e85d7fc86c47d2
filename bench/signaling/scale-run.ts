/**
 * The signaling scale measurement: a real server in its own process, K signaling-only peers from
 * separate load processes, joined into rooms of `roomSize`, K ramped up in steps. At every step:
 * join and WebSocket-connect latency of the peers added, then a window in which every peer sends
 * `ping` at a steady rate (round trip p50/p99), the server's RSS (Node and mediasoup worker) and CPU,
 * and the load generator's CPU and event-loop lag (so a saturated generator is visible, not mistaken
 * for a slow server).
 */
import { startServerProcess } from '../lib/server-process.js';
import { summarize, type Summary } from '../lib/distribution.js';
import { cpuWindow } from '../lib/proc.js';
import { LoadGenerator } from './load-generator.js';
import type { PeerSpec } from './load-messages.js';

export interface ScaleOptions {
  /** Peer counts to reach, ascending (e.g. [100, 1000, 5000]). */
  steps: number[];
  roomSize: number;
  /** Load processes (the generator's share of the machine). */
  loadProcesses: number;
  /** Joins in flight per load process while ramping. */
  joinConcurrency: number;
  pingWindowMs: number;
  /** Each peer pings this often during the window. */
  pingIntervalMs: number;
  /** Smoke tests: run the server from source (see ServerProcessOptions.fromSource). */
  serverFromSource?: boolean;
  log?: (message: string) => void;
}

export interface ScaleStep {
  peers: number;
  rooms: number;
  /** Peers that joined in this step / that failed to. */
  joined: number;
  failed: number;
  failures: string[];
  connect: Summary;
  join: Summary;
  ping: Summary;
  pingFailures: number;
  /** Requests per second the server answered during the ping window. */
  pingRate: number;
  serverNodeRss: number;
  serverWorkerRss: number;
  /** Cores used during the ping window. */
  serverCpu: number;
  loadGeneratorCpu: number;
  loadGeneratorLagP99Ms: number;
  notifications: number;
}

export interface ScaleResult {
  /** The server with nobody connected. */
  idle: { nodeRss: number; workerRss: number };
  steps: ScaleStep[];
}

/** Rooms of `roomSize` filled in order: peer i goes to room floor(i / roomSize). */
function specsFor(from: number, to: number, roomSize: number): PeerSpec[] {
  return Array.from({ length: to - from }, (_, k) => {
    const index = from + k;
    return { roomId: `scale-${Math.floor(index / roomSize)}`, displayName: `Peer ${index}` };
  });
}

export async function runSignalingScale(options: ScaleOptions): Promise<ScaleResult> {
  const log = options.log ?? (() => undefined);
  const maxPeers = Math.max(...options.steps);
  const server = await startServerProcess({
    env: {
      // The benchmark's peers all come from 127.0.0.1: raise the per-address cap above them.
      MAX_CONNECTIONS_PER_IP: String(Math.min(100_000, maxPeers + 100)),
      MAX_PEERS_PER_ROOM: String(Math.max(options.roomSize, 2)),
    },
    fromSource: options.serverFromSource ?? false,
    log,
  });
  const generator = await LoadGenerator.start(options.loadProcesses).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = server.memory();
    const steps: ScaleStep[] = [];
    let connected = 0;
    for (const target of options.steps) {
      const joined = await generator.join(server.wsUrl, specsFor(connected, target, options.roomSize), options.joinConcurrency);
      connected = target;
      if (joined.failures.length > 0) log(`step ${target}: ${joined.failures.length} joins failed, e.g. ${joined.failures[0]}`);
      // Let the join storm's garbage settle before sampling memory and latency.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const serverCpu = cpuWindow(() => [server.pid, ...server.workerPids()]);
      const generatorCpu = cpuWindow(() => generator.pids());
      const pinged = await generator.ping(options.pingWindowMs, options.pingIntervalMs);
      const step: ScaleStep = {
        peers: target,
        rooms: Math.ceil(target / options.roomSize),
        joined: joined.joinMs.length,
        failed: joined.failures.length,
        failures: joined.failures.slice(0, 5),
        connect: summarize(joined.connectMs),
        join: summarize(joined.joinMs),
        ping: summarize(pinged.rttMs),
        pingFailures: pinged.failures.length,
        pingRate: pinged.rttMs.length / (options.pingWindowMs / 1000),
        serverCpu: serverCpu.stop(),
        loadGeneratorCpu: generatorCpu.stop(),
        loadGeneratorLagP99Ms: pinged.loopDelayP99Ms,
        notifications: pinged.notifications,
        serverNodeRss: server.memory().nodeRss,
        serverWorkerRss: server.memory().workerRss,
      };
      steps.push(step);
      log(
        `K=${target}: join p50 ${step.join.p50.toFixed(1)} p99 ${step.join.p99.toFixed(1)} ms; ping p50 ${step.ping.p50.toFixed(2)} ` +
          `p99 ${step.ping.p99.toFixed(2)} ms at ${Math.round(step.pingRate)}/s; server ${(step.serverNodeRss / 2 ** 20).toFixed(0)} MiB + worker ` +
          `${(step.serverWorkerRss / 2 ** 20).toFixed(0)} MiB, cpu ${step.serverCpu.toFixed(2)}; generator cpu ${step.loadGeneratorCpu.toFixed(2)}`,
      );
    }
    return { idle, steps };
  } finally {
    await generator.stop();
    await server.close();
  }
}
