/**
 * How long node loss takes to resume: PEERS clients (the app's SignalClient and resume logic, with
 * mediasoup-client's FakeHandler: real signaling, no media encoding) in a room on one node of three;
 * that node is killed with SIGKILL; measured until every client has resumed on a surviving node with
 * its media set up again and consumers of every other client. A new node replaces the dead one before
 * the next round. Split: until the survivors notice (heartbeat expiry) and until all clients are back.
 */
import type { Test } from 'tap';
import { Redis } from 'ioredis';
import { FakePeer } from '../../test/helpers/fake-peer.js';
import { startNodeProcess, type NodeProcess } from '../../test/helpers/cluster-processes.js';
import { waitFor } from '../../test/helpers/wait.js';

export interface NodeLossOptions {
  t: Test;
  redisUrl: string;
  rounds: number;
  peers: number;
  heartbeatMs: number;
  ttlMs: number;
  log: (message: string) => void;
}

export interface NodeLossRound {
  noticedMs: number;
  resumedMs: number;
}

export async function measureNodeLoss(options: NodeLossOptions): Promise<NodeLossRound[]> {
  const { t } = options;
  const env = { NODE_HEARTBEAT_MS: String(options.heartbeatMs), NODE_TTL_MS: String(options.ttlMs), LOG_LEVEL: 'error' };
  const nodes: NodeProcess[] = [];
  let spawned = 0;
  const spawnNode = async () => startNodeProcess(t, `loss-${++spawned}`, { redisUrl: options.redisUrl, env });
  for (let i = 0; i < 3; i++) nodes.push(await spawnNode());
  const redis = new Redis(options.redisUrl);
  t.teardown(() => redis.disconnect());
  const rounds: NodeLossRound[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const roomId = `loss-${round}`;
    const peers: FakePeer[] = [];
    for (let i = 0; i < options.peers; i++) {
      const peer = await FakePeer.join(nodes[i % nodes.length]!.wsUrl, roomId, `Peer ${i}`);
      await peer.produce('mic');
      peers.push(peer);
    }
    const everyoneConsumesEveryone = () => peers.every((peer) => peers.every((other) => other === peer || peer.consumersFrom(other.peerId).length > 0));
    await waitFor(everyoneConsumesEveryone, { timeout: 30_000, message: `round ${round}: the call set up` });
    const ownerId = await redis.get(`sw:room:${roomId}:owner`);
    const owner = nodes.find((node) => node.id === ownerId);
    if (!owner) throw new Error(`round ${round}: room owner ${ownerId} is not one of the nodes`);
    const survivors = nodes.filter((node) => node !== owner);
    const killedAt = performance.now();
    await owner.kill();
    let noticedMs = 0;
    const noticed = waitFor(
      async () => {
        for (const node of survivors) {
          const health = (await (await fetch(`${node.url}/healthz`)).json()) as { cluster: { nodes: string[] } };
          if (health.cluster.nodes.includes(owner.id)) return false;
        }
        noticedMs = performance.now() - killedAt;
        return true;
      },
      { timeout: 30_000, interval: 50, message: `round ${round}: survivors notice the loss` },
    );
    await waitFor(() => peers.every((peer) => peer.resumes >= 1 && peer.mediaRestarts >= 1) && everyoneConsumesEveryone(), {
      timeout: 60_000,
      interval: 20,
      message: `round ${round}: every client resumed with media`,
    });
    const resumedMs = performance.now() - killedAt;
    await noticed;
    rounds.push({ noticedMs, resumedMs });
    options.log(`round ${round}: owner ${owner.id} killed; loss noticed after ${noticedMs.toFixed(0)} ms, all ${peers.length} clients resumed after ${resumedMs.toFixed(0)} ms`);
    for (const peer of peers) peer.close();
    nodes.splice(nodes.indexOf(owner), 1, await spawnNode());
  }
  for (const node of nodes) await node.kill();
  return rounds;
}
