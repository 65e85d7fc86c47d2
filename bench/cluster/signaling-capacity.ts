/**
 * Signaling capacity of 1, 2 and 3 nodes: PEERS clients without media (the app's real SignalClient)
 * join rooms of ROOM_SIZE, each entering through node `i % nodes` as a load balancer would spread
 * them, so most joins of a cluster take one MOVED hop. Measured: joins per second with JOIN_CONCURRENCY
 * in flight, join latency (hops included), then ping round trips with every client pinging at once.
 * Baseline in the same run: one node without Redis (the single-node server, no cluster code).
 */
import type { Test } from 'tap';
import { FakePeer } from '../../test/helpers/fake-peer.js';
import { startNodeProcess, type NodeProcess } from '../../test/helpers/cluster-processes.js';
import { waitFor } from '../../test/helpers/wait.js';
import { percentile } from '../lib/distribution.js';

export interface CapacityOptions {
  t: Test;
  redisUrl: string | undefined;
  nodes: number;
  peers: number;
  roomSize: number;
  concurrency: number;
  pingRounds: number;
  log: (message: string) => void;
}

export interface CapacityResult {
  label: string;
  nodes: number;
  joined: number;
  failed: number;
  joinsPerSecond: number;
  joinP50Ms: number;
  joinP99Ms: number;
  pingP50Ms: number;
  pingP99Ms: number;
  /** Clients that ended on another node than the one they entered through. */
  moved: number;
}

export async function measureSignalingCapacity(options: CapacityOptions): Promise<CapacityResult> {
  const { t, nodes: count } = options;
  const label = options.redisUrl ? `${count} node${count > 1 ? 's' : ''} + Redis` : '1 node, no Redis';
  const nodes: NodeProcess[] = [];
  for (let i = 1; i <= count; i++) {
    const env = { LOG_LEVEL: 'error', MAX_CONNECTIONS_PER_IP: '100000', ...(options.redisUrl ? {} : { REDIS_URL: '', CLUSTER_SECRET: '' }) };
    nodes.push(await startNodeProcess(t, `cap${count}-${i}`, { redisUrl: options.redisUrl ?? '', env }));
  }
  if (options.redisUrl) {
    // Every node must know the others first (their URLs go into join answers; placement sees them all).
    await waitFor(
      async () => {
        for (const node of nodes) {
          const health = (await (await fetch(`${node.url}/healthz`)).json()) as { cluster?: { nodes: string[] } };
          if ((health.cluster?.nodes.length ?? 0) !== count) return false;
        }
        return true;
      },
      { timeout: 30_000, message: `all ${count} nodes to see each other` },
    );
  }
  const clients: FakePeer[] = [];
  const joinMs: number[] = [];
  let failed = 0;
  let moved = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      if (index >= options.peers) return;
      const entry = nodes[index % nodes.length]!;
      const begin = performance.now();
      try {
        const peer = await FakePeer.join(entry.wsUrl, `cap-${Math.floor(index / options.roomSize)}`, `Peer ${index}`, { media: false, resume: false });
        joinMs.push(performance.now() - begin);
        clients.push(peer);
        if (peer.joined.nodeUrls?.includes(entry.wsUrl)) moved++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const joinSeconds = (performance.now() - started) / 1000;
  const pingMs: number[] = [];
  for (let round = 0; round < options.pingRounds; round++) {
    await Promise.all(
      clients.map(async (client) => {
        const begin = performance.now();
        await client.signal.request('ping', {}).then(() => pingMs.push(performance.now() - begin), () => undefined);
      }),
    );
  }
  for (const client of clients) client.close();
  for (const node of nodes) await node.kill();
  const result: CapacityResult = {
    label,
    nodes: count,
    joined: joinMs.length,
    failed,
    joinsPerSecond: joinMs.length / joinSeconds,
    joinP50Ms: percentile(joinMs, 50),
    joinP99Ms: percentile(joinMs, 99),
    pingP50Ms: percentile(pingMs, 50),
    pingP99Ms: percentile(pingMs, 99),
    moved,
  };
  options.log(
    `${label}: ${result.joined} joined (${failed} failed, ${moved} moved) at ${result.joinsPerSecond.toFixed(0)}/s; join p50 ${result.joinP50Ms.toFixed(1)} p99 ${result.joinP99Ms.toFixed(1)} ms; ping p50 ${result.pingP50Ms.toFixed(1)} p99 ${result.pingP99Ms.toFixed(1)} ms`,
  );
  return result;
}
