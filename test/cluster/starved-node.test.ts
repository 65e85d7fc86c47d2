/**
 * A node taken for dead that was alive all along: two node processes share a room (Alice and Bob on the
 * first, Carol on the second), and the second is frozen with SIGSTOP (as a node starved of CPU, or
 * swapped out, looks to the others) until the first declares it lost: Carol becomes an orphan there and
 * the pipe closes. Then it runs again (SIGCONT) and writes its record: the first node starts over with
 * it, and the call is whole again (everyone consumes everyone through the new pipe) without Carol's
 * client doing anything. Before, the room stayed cut in two until Carol was dropped after the grace.
 * Clients are the real SignalClient with mediasoup-client's FakeHandler (no browser).
 */
import t from 'tap';
import { FakePeer } from '../helpers/fake-peer.js';
import { startNodeProcess, type NodeProcess } from '../helpers/cluster-processes.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'starved';
const TIMEOUT = 30_000;
t.setTimeout(240_000);

const redis = await startRedis(t);
const env = { ROOM_PEERS_PER_NODE: '2', NODE_HEARTBEAT_MS: '300', NODE_TTL_MS: '1500', P2P_ENABLED: 'false' };
const nodes: NodeProcess[] = await Promise.all(['n1', 'n2'].map((id) => startNodeProcess(t, id, { redisUrl: redis.url, env })));
const [first, second] = nodes as [NodeProcess, NodeProcess];
const clusterStatus = async (node: NodeProcess) =>
  ((await (await fetch(`${node.url}/healthz`)).json()) as { cluster: { nodes: string[]; pipes: number } }).cluster;
await waitFor(async () => (await clusterStatus(first)).nodes.length === 2 && (await clusterStatus(second)).nodes.length === 2, {
  timeout: TIMEOUT,
  message: 'both nodes see each other',
});

const people: FakePeer[] = [];
t.teardown(() => people.forEach((peer) => peer.close()));
// Alice and Bob fill the first node's share of the room; Carol is placed on the second.
for (const name of ['Alice', 'Bob', 'Carol']) {
  const peer = await FakePeer.join(first.wsUrl, ROOM, name, { media: true });
  await peer.produce('mic');
  people.push(peer);
}
const [alice, bob, carol] = people as [FakePeer, FakePeer, FakePeer];
const everyoneConsumes = (consumers: (peer: FakePeer, other: FakePeer) => boolean) =>
  people.every((peer) => people.every((other) => other === peer || consumers(peer, other)));
await waitFor(() => everyoneConsumes((peer, other) => peer.consumersFrom(other.peerId).length === 1), {
  timeout: TIMEOUT,
  message: 'the call is set up across the two nodes',
});

t.test('a frozen node taken for lost comes back, and the call is whole again', async (t) => {
  t.equal((await clusterStatus(second)).pipes, 1, 'the second node has a pipe to the first (Carol is on it)');
  const before = new Set(people.flatMap((peer) => [...peer.consumers.keys()]));

  process.kill(second.pid, 'SIGSTOP');
  let frozen = true;
  t.teardown(() => {
    if (frozen) process.kill(second.pid, 'SIGCONT');
  });
  await waitFor(async () => !(await clusterStatus(first)).nodes.includes(second.id), {
    timeout: TIMEOUT,
    message: `the first node takes ${second.id} for lost`,
  });
  await waitFor(() => alice.consumersFrom(carol.peerId).length === 0, { timeout: TIMEOUT, message: "Carol's media is gone for Alice (her pipe closed)" });
  process.kill(second.pid, 'SIGCONT');
  frozen = false;

  await waitFor(async () => (await clusterStatus(first)).nodes.includes(second.id), { timeout: TIMEOUT, message: `the first node sees ${second.id} again` });
  await waitFor(
    () => everyoneConsumes((peer, other) => peer.consumersFrom(other.peerId).some(({ consumer }) => !before.has(consumer.id)) || (peer !== carol && other !== carol)),
    { timeout: TIMEOUT, message: 'Carol and the two others consume each other again, through new consumers' },
  );
  await waitFor(() => everyoneConsumes((peer, other) => peer.consumersFrom(other.peerId).length === 1), {
    timeout: TIMEOUT,
    message: 'one consumer per other person, none stale',
  });
  t.pass('the call is whole again');
  t.same(alice.notifications.peerLeft, [], 'Alice never saw Carol leave (she waited as an orphan)');
  t.same(bob.notifications.peerLeft, [], 'nor did Bob');
  t.same(carol.notifications.peerLeft, [], 'and Carol never saw them leave (only the pipe started over)');
  t.equal((await clusterStatus(first)).pipes, 1, 'one pipe between the nodes again');
});
