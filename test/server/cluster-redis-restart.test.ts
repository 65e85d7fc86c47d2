/**
 * What a Redis restart must not lose, in one process with a real redis-server:
 * - a node-to-node message sent while the receiving node does not listen yet (its subscriber still
 *   reconnecting after the restart) arrives once it listens, in order;
 * - a room two nodes served apart while Redis was away (a newcomer reached a node that could not ask
 *   Redis where the room lives) becomes one call again when Redis is back: they see each other and
 *   consume each other's media.
 * Both were causes of the cluster browser test failing under load (test/cluster/call.test.ts).
 */
import t from 'tap';
import pino from 'pino';
import { Redis } from 'ioredis';
import type { ClusterMessage } from '../../server/cluster/messages.js';
import { SignedBus } from '../../server/cluster/signed-bus.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { TEST_CLUSTER_SECRET, nodeOf, startCluster } from '../helpers/cluster.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const redis = await startRedis(t);

t.test('a message waits for its node to listen, and messages arrive in the order sent', async (t) => {
  const logger = pino({ level: 'silent' });
  const connections = [new Redis(redis.url), new Redis(redis.url), new Redis(redis.url)];
  t.teardown(() => connections.forEach((connection) => connection.disconnect()));
  const [pub, subA, subB] = connections as [Redis, Redis, Redis];
  const sender = new SignedBus({ nodeId: 'a', secret: TEST_CLUSTER_SECRET, pub, sub: subA, logger });
  const receiver = new SignedBus({ nodeId: 'b', secret: TEST_CLUSTER_SECRET, pub, sub: subB, logger });
  t.teardown(() => {
    sender.close();
    receiver.close();
  });
  const received: ClusterMessage[] = [];
  // Node b does not listen yet, as after a Redis restart before its subscriber reconnected.
  const sent = ['first', 'second', 'third'].map((peerId) => sender.send('b', 'room', { type: 'peerLeft', peerId }));
  let delivered = 0;
  sent.forEach((promise) => void promise.then(() => delivered++));
  // Redis counts the PUBLISH attempts: the first message was tried again and again, nobody listening.
  const publishes = async () => Number(/cmdstat_publish:calls=(\d+)/.exec(await pub.info('commandstats'))?.[1] ?? 0);
  await waitFor(async () => (await publishes()) >= 3, { message: 'the sender to try the first message three times' });
  t.equal(delivered, 0, 'nothing counts as delivered while nobody listens');
  await receiver.start((message) => received.push(message));
  await Promise.all(sent);
  // PUBLISH answered once Redis handed them over; the subscriber's socket reads them a moment later.
  await waitFor(() => received.length >= 3, { message: 'node b to read the three messages' });
  t.same(
    received.map((message) => (message.type === 'peerLeft' ? message.peerId : message.type)),
    ['first', 'second', 'third'],
    'all three arrive once node b listens, in the order sent',
  );
  sender.forget('nobody');
  const lost = sender.send('nobody', 'room', { type: 'bye' });
  sender.forget('nobody');
  await t.rejects(lost, /lost/, 'a message for a node declared lost is dropped, not kept');
});

t.test('a room served apart while Redis was away is one call again once Redis is back', async (t) => {
  const nodes = await startCluster(t, { nodes: 2, redisUrl: redis.url, roomPeersPerNode: 10 });
  const people: FakePeer[] = [];
  t.teardown(() => people.forEach((peer) => peer.close()));
  const alice = await FakePeer.join(nodes[0]!.wsUrl, 'apart', 'Alice', { media: true });
  people.push(alice);
  await alice.produce('mic');
  const home = nodeOf(nodes, 'apart', alice.peerId);
  const elsewhere = 1 - home;

  await redis.kill();
  await waitFor(() => nodes.every((node) => !node.app.cluster!.redisReady), { message: 'both nodes notice Redis is gone' });
  const bob = await FakePeer.join(nodes[elsewhere]!.wsUrl, 'apart', 'Bob', { media: true });
  people.push(bob);
  await bob.produce('mic');
  t.equal(nodeOf(nodes, 'apart', bob.peerId), elsewhere, 'without Redis, Bob is served by the node he reached');
  t.same(bob.peersAtJoin, [], 'and meets nobody there for now');

  await redis.start();
  await waitFor(() => alice.notifications.peerJoined.some(({ peer }) => peer.id === bob.peerId), {
    timeout: 20_000,
    message: 'once Redis is back, Alice sees Bob (the two parts of the room found each other)',
  });
  await waitFor(() => bob.notifications.peerJoined.some(({ peer }) => peer.id === alice.peerId), { timeout: 20_000, message: 'and Bob sees Alice' });
  await waitFor(() => alice.consumersFrom(bob.peerId).length === 1 && bob.consumersFrom(alice.peerId).length === 1, {
    timeout: 20_000,
    message: "each consumes the other's microphone, piped between the nodes",
  });
  t.pass('one call again, across the two nodes');
  const inspector = new Redis(redis.url);
  t.teardown(() => inspector.disconnect());
  // Each node writes its part again when its connection is back; a node whose connection dropped
  // without an error (closed between two reconnect attempts) once never did.
  await waitFor(async () => (await inspector.hlen('sw:room:apart:span')) === 2, {
    timeout: 10_000,
    message: 'Redis to list both nodes as serving the room again',
  });
  await waitFor(async () => (await inspector.hlen('sw:room:apart:peers')) === 2, {
    timeout: 10_000,
    message: "Redis to hold Alice's and Bob's records again (what a resume after a node loss needs)",
  });
  t.pass('Redis lists both nodes as serving the room, and both people');
});
