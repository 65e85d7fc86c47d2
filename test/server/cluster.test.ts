/**
 * Three nodes in one process sharing a real redis-server: rooms are placed by load, a client entering
 * through any node ends up where its room lives (MOVED), a room past ROOM_PEERS_PER_NODE spans nodes
 * with its producers piped between them, and forged node-to-node messages are dropped.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { SignalClient } from '../../client/src/signal/signal-client.js';
import type { SignalError } from '../../client/src/signal/signal-error.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { createHmac } from 'node:crypto';
import { TEST_CLUSTER_SECRET, nodeOf, startCluster } from '../helpers/cluster.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const redis = await startRedis(t);
const nodes = await startCluster(t, { nodes: 3, redisUrl: redis.url, roomPeersPerNode: 2 });
const peers: FakePeer[] = [];
t.teardown(() => peers.forEach((peer) => peer.close()));
const join = async (node: number, roomId: string, name: string, media = false): Promise<FakePeer> => {
  const peer = await FakePeer.join(nodes[node]!.wsUrl, roomId, name, { media });
  peers.push(peer);
  return peer;
};
const cluster = (node: number) => nodes[node]!.app.cluster!;

t.test('new rooms go to the least loaded node', async (t) => {
  const placed: number[] = [];
  for (const [index, roomId] of ['spread-a', 'spread-b', 'spread-c'].entries()) {
    // Always through node 1: placement, not the entry point, decides.
    const peer = await join(0, roomId, `Spreader ${index}`);
    const home = nodeOf(nodes, roomId, peer.peerId);
    t.not(home, -1, `${roomId} is served by a node`);
    placed.push(home);
    // The next placement must see this load: wait until Redis has it.
    await waitFor(async () => (await cluster(0).registry.live()).find((node) => node.id === `n${home + 1}`)?.peers === 1, {
      message: `node ${home + 1}'s load to count the new peer`,
    });
  }
  t.same([...placed].sort(), [0, 1, 2], `three rooms on three different nodes (got ${placed.join(', ')})`);
  for (const peer of peers.splice(0)) if (!peer.signal.closed) await peer.leave();
  await waitFor(async () => (await cluster(0).registry.live()).every((node) => node.peers === 0), { message: 'every node back to no load' });
});

t.test('a client entering through any node joins the room where it lives', async (t) => {
  const alice = await join(0, 'meet', 'Alice');
  const bob = await join(1, 'meet', 'Bob');
  const home = nodeOf(nodes, 'meet', alice.peerId);
  t.equal(nodeOf(nodes, 'meet', bob.peerId), home, 'Bob was sent to the node of Alice');
  t.same(bob.peersAtJoin.map((peer) => peer.id), [alice.peerId], 'Bob sees Alice');
  await waitFor(() => alice.notifications.peerJoined.some(({ peer }) => peer.id === bob.peerId), { message: 'Alice sees Bob join' });
  t.ok(bob.joined.nodeUrls && bob.joined.nodeUrls.length === 2, 'the join answer names the two other nodes');
  for (const peer of peers.splice(0)) if (!peer.signal.closed) await peer.leave();
});

t.test('a room past its per-node limit spans nodes; media is piped both ways', async (t) => {
  const alice = await join(0, 'span', 'Alice', true);
  await alice.produce('mic');
  await alice.produce('camera');
  const bob = await join(1, 'span', 'Bob', true);
  await bob.produce('mic');
  const carol = await join(2, 'span', 'Carol', true);
  await carol.produce('mic');
  await carol.produce('camera');
  const home = nodeOf(nodes, 'span', alice.peerId);
  const carolNode = nodeOf(nodes, 'span', carol.peerId);
  t.equal(nodeOf(nodes, 'span', bob.peerId), home, 'Bob joins Alice on her node (limit 2)');
  t.not(carolNode, home, 'Carol, the third, is on another node');
  t.same(carol.peersAtJoin.map((peer) => peer.displayName).sort(), ['Alice', 'Bob'], 'Carol sees both others');
  await waitFor(() => alice.notifications.peerJoined.some(({ peer }) => peer.id === carol.peerId), { message: 'Alice sees Carol join' });
  await waitFor(() => carol.consumersFrom(alice.peerId).length === 2 && carol.consumersFrom(bob.peerId).length === 1, {
    timeout: 20_000,
    message: 'Carol consumes Alice (2) and Bob (1) through the pipe',
  });
  await waitFor(() => alice.consumersFrom(carol.peerId).length === 2 && bob.consumersFrom(carol.peerId).length === 2, {
    timeout: 20_000,
    message: 'Alice and Bob consume Carol (2 each) through the pipe',
  });
  t.equal(cluster(home).spans.get('span')?.linkCount, 1, "Alice's node has one pipe");
  t.equal(cluster(carolNode).spans.get('span')?.linkCount, 1, "Carol's node has one pipe");

  // A producer closed on one node disappears on the other.
  const carolMic = carol.producers.get('mic')!;
  const consumerOfCarolMic = [...alice.consumers.values()].find((remote) => remote.info.producerId === carolMic.id)!;
  await carol.signal.request('closeProducer', { producerId: carolMic.id });
  await waitFor(() => alice.notifications.consumerClosed.some(({ consumerId }) => consumerId === consumerOfCarolMic.consumer.id), {
    message: "Alice's consumer of Carol's mic closes",
  });
  // A pause travels too (mute by pausing the producer).
  const aliceCamera = alice.producers.get('camera')!;
  await alice.signal.request('pauseProducer', { producerId: aliceCamera.id });
  const carolsView = [...carol.consumers.values()].find((remote) => remote.info.producerId === aliceCamera.id)!;
  await waitFor(() => carol.notifications.consumerPaused.some(({ consumerId }) => consumerId === carolsView.consumer.id), {
    message: "Carol hears Alice's camera paused",
  });
  await alice.signal.request('setMuted', { source: 'camera', muted: true });
  await waitFor(() => carol.notifications.peerMuted.some(({ peerId, muted }) => peerId === alice.peerId && muted), { message: 'Carol sees Alice muted' });

  // Chat crosses the span, stamped with the sender the sender's node knows.
  await carol.signal.request('sendChat', { id: 'carol-line-1', senderSeq: 1, kind: 'chat', text: 'hello from the other node' });
  const line = await waitFor(() => alice.notifications.chatMessage.find((message) => message.id === 'carol-line-1'), { message: "Alice gets Carol's chat line" });
  t.equal(line.sender, carol.peerId, 'stamped with Carol as sender');
  t.equal(line.senderName, 'Carol', 'and her name');
  await alice.signal.request('sendChat', { id: 'alice-hand-1', senderSeq: 1, kind: 'hand', raised: true });
  await waitFor(() => carol.notifications.chatMessage.some((message) => message.id === 'alice-hand-1' && message.sender === alice.peerId), {
    message: "Carol sees Alice's hand go up",
  });

  await carol.leave();
  await waitFor(() => alice.notifications.peerLeft.some(({ peerId }) => peerId === carol.peerId), { message: 'Alice sees Carol leave' });
  await waitFor(() => cluster(carolNode).spans.get('span') === undefined, { message: "Carol's node closes its part of the room" });
  await waitFor(() => cluster(home).spans.get('span')?.nodes.length === 0, { message: "Alice's node forgets Carol's node" });
  for (const peer of peers.splice(0)) if (!peer.signal.closed) await peer.leave();
});

t.test('node-to-node messages with a bad signature are dropped', async (t) => {
  const publisher = new Redis(redis.url);
  t.teardown(() => publisher.disconnect());
  const before = cluster(0).bus.rejected;
  const forged = JSON.stringify({ type: 'bye', from: 'n2', to: 'n1', roomId: 'meet', at: Date.now() });
  await publisher.publish('sw:node:n1', `AAAA.${forged}`);
  await publisher.publish('sw:node:n1', forged);
  await waitFor(() => cluster(0).bus.rejected === before + 2, { message: 'both forged messages rejected' });
  t.pass('a bad signature and a missing one are rejected');
  const sign = (payload: string) => `${createHmac('sha256', TEST_CLUSTER_SECRET).update(payload).digest('base64url')}.${payload}`;
  const replayed = JSON.stringify({ type: 'bye', from: 'n2', to: 'n1', roomId: 'meet', at: Date.now() - 60_000 });
  await publisher.publish('sw:node:n1', sign(replayed));
  await waitFor(() => cluster(0).bus.rejected === before + 3, { message: 'an old (replayed) message rejected' });
  t.pass('a correctly signed but old message is rejected');
  const misaddressed = JSON.stringify({ type: 'bye', from: 'n2', to: 'n3', roomId: 'meet', at: Date.now() });
  await publisher.publish('sw:node:n1', sign(misaddressed));
  await waitFor(() => cluster(0).bus.rejected === before + 4, { message: 'a message for another node rejected' });
  t.pass('a message addressed to another node is rejected');
});

t.test('resuming through another node: the token is checked there, and a live session is sent home', async (t) => {
  const alice = await join(0, 'resume-check', 'Alice');
  const home = nodeOf(nodes, 'resume-check', alice.peerId);
  const elsewhere = nodes[(home + 1) % nodes.length]!;
  const probe = await SignalClient.connect(elsewhere.wsUrl);
  t.teardown(() => probe.close());
  const wrong = await probe.request('resume', { roomId: 'resume-check', peerId: alice.peerId, resumeToken: 'x'.repeat(43) }).catch((error: SignalError) => error);
  t.equal((wrong as SignalError).code, 'NOT_FOUND', 'a wrong token finds nothing, on any node');
  const right = await probe.request('resume', { roomId: 'resume-check', peerId: alice.peerId, resumeToken: alice.resumeToken }).catch((error: SignalError) => error);
  t.equal((right as SignalError).code, 'MOVED', 'the right token for a live session elsewhere: MOVED');
  t.equal((right as SignalError).redirect, nodes[home]!.wsUrl, 'to the node that holds it');
  await alice.leave();
});

t.test('with Redis down, calls go on and new rooms are served where they land; then Redis is refilled', async (t) => {
  const alice = await join(0, 'outage', 'Alice', true);
  await alice.produce('mic');
  const home = nodeOf(nodes, 'outage', alice.peerId);
  await redis.kill();
  // The running call: requests still work (nothing about it needs Redis).
  const bob = await join(home, 'outage', 'Bob', true);
  t.same(bob.peersAtJoin.map((peer) => peer.id), [alice.peerId], 'someone entering through the right node still joins the call');
  await waitFor(() => bob.consumersFrom(alice.peerId).length === 1, { message: "Bob consumes Alice's mic" });
  await alice.signal.request('pauseProducer', { producerId: alice.producers.get('mic')!.id });
  const elsewhere = (home + 1) % nodes.length;
  const carol = await join(elsewhere, 'outage-new', 'Carol');
  t.equal(nodeOf(nodes, 'outage-new', carol.peerId), elsewhere, 'a new room is served by the node the client reached');

  await redis.start();
  const inspector = new Redis(redis.url);
  t.teardown(() => inspector.disconnect());
  await waitFor(async () => (await inspector.get('sw:room:outage:owner')) === `n${home + 1}`, {
    timeout: 20_000,
    message: "Redis, restarted empty, learns again where the call's room lives",
  });
  await waitFor(async () => (await inspector.hlen('sw:room:outage:peers')) === 2, { timeout: 20_000, message: 'and who is in it' });
  await waitFor(async () => (await cluster(0).registry.live()).length === 3, { timeout: 20_000, message: 'every node back in Redis' });
  const dave = await join(elsewhere, 'outage', 'Dave');
  // The call's node is full (ROOM_PEERS_PER_NODE 2 here): Dave lands on a node of the span, in the same call.
  t.same(dave.peersAtJoin.map((peer) => peer.displayName).sort(), ['Alice', 'Bob'], 'a newcomer through another node joins the same call');
  for (const peer of peers.splice(0)) if (!peer.signal.closed) await peer.leave();
});
