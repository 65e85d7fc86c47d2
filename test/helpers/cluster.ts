/**
 * Several Shouwang nodes sharing one test Redis, in this process (each with its own mediasoup worker):
 * enough for signaling and placement tests. Tests that kill a node use real processes instead
 * (cluster-processes.ts).
 */
import type { Test } from 'tap';
import { Redis } from 'ioredis';
import type { ClusterConfig } from '../../server/config.js';
import { FakePeer } from './fake-peer.js';
import { startRedis } from './redis.js';
import { startServer, type TestServer } from './server.js';
import { waitFor } from './wait.js';

export const TEST_CLUSTER_SECRET = 'test-cluster-secret-0123456789abcdef';

export interface ClusterOptions {
  nodes: number;
  redisUrl: string;
  roomPeersPerNode?: number;
  heartbeatMs?: number;
  ttlMs?: number;
  cpuLimit?: number;
}

export function clusterConfig(nodeId: string, options: Omit<ClusterOptions, 'nodes'>): ClusterConfig {
  return {
    redisUrl: options.redisUrl,
    secret: TEST_CLUSTER_SECRET,
    nodeId,
    pipeIp: '127.0.0.1',
    heartbeatMs: options.heartbeatMs ?? 200,
    ttlMs: options.ttlMs ?? 1000,
    roomPeersPerNode: options.roomPeersPerNode ?? 50,
    cpuLimit: options.cpuLimit ?? 0,
  };
}

/** Starts the nodes (n1, n2, ...) and waits until each sees all the others. */
export async function startCluster(t: Test, options: ClusterOptions): Promise<TestServer[]> {
  const nodes: TestServer[] = [];
  for (let i = 1; i <= options.nodes; i++) {
    const node = await startServer({ cluster: clusterConfig(`n${i}`, options), rtcListenIp: '127.0.0.1' });
    t.teardown(() => node.close());
    nodes.push(node);
  }
  await waitFor(() => nodes.every((node) => node.app.cluster?.registry.known.length === options.nodes), {
    timeout: 15_000,
    message: `every node to see all ${options.nodes} nodes`,
  });
  return nodes;
}

/** Which node (index) serves the peer: the one whose room holds it as a local peer. */
export function nodeOf(nodes: TestServer[], roomId: string, peerId: string): number {
  return nodes.findIndex((node) => {
    const span = node.app.cluster?.spans.get(roomId);
    return span !== undefined && span.room.peers.has(peerId) && !span.isRemote(peerId);
  });
}

export interface SpanningCall {
  nodes: TestServer[];
  /** Alice, Bob and Carol, in that order. */
  people: FakePeer[];
  /** A Redis client of the test's own, to look at what the nodes wrote there. */
  inspector: Redis;
  /** Whether each person consumes each other person's microphone, through exactly one consumer. */
  everyoneConsumesEveryone(): boolean;
}

/**
 * A call that spans nodes: three nodes (n1, n2, n3) that take two people each per room, and Alice, Bob
 * and Carol joining `roomId` through n1, n2 and n3 with a microphone each, so the room's owner serves
 * two of them and another node the third. Resolves once everyone consumes everyone.
 */
export async function startSpanningCall(t: Test, options: { roomId: string; ttlMs: number }): Promise<SpanningCall> {
  const redis = await startRedis(t);
  const nodes = await startCluster(t, { nodes: 3, redisUrl: redis.url, roomPeersPerNode: 2, heartbeatMs: 200, ttlMs: options.ttlMs });
  const inspector = new Redis(redis.url);
  t.teardown(() => inspector.disconnect());

  const people: FakePeer[] = [];
  t.teardown(() => people.forEach((peer) => peer.close()));
  for (const [index, name] of ['Alice', 'Bob', 'Carol'].entries()) {
    const peer = await FakePeer.join(nodes[index]!.wsUrl, options.roomId, name);
    await peer.produce('mic');
    people.push(peer);
  }
  const everyoneConsumesEveryone = () => people.every((peer) => people.every((other) => other === peer || peer.consumersFrom(other.peerId).length === 1));
  await waitFor(everyoneConsumesEveryone, { timeout: 20_000, message: 'the call is set up across two nodes' });
  return { nodes, people, inspector, everyoneConsumesEveryone };
}
