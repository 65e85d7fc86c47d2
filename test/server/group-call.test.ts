/**
 * A group call through a real mediasoup worker and real WebSockets: peers join, produce, consume each
 * other, leave; the worker ends up holding nothing.
 */
import t from 'tap';
import { FakePeer } from '../helpers/fake-peer.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { workerInventory } from '../helpers/inventory.js';

t.test('three peers see each other, and leaving cleans up everything', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const roomId = 'standup';

  const alice = await FakePeer.join(server.wsUrl, roomId, 'Alice');
  t.teardown(() => alice.close());
  t.same(alice.peersAtJoin, [], 'the first peer finds an empty room');
  await alice.produce('mic');
  await alice.produce('camera');

  const bob = await FakePeer.join(server.wsUrl, roomId, 'Bob');
  t.teardown(() => bob.close());
  t.same(bob.peersAtJoin.map((p) => p.displayName), ['Alice'], 'Bob is told Alice is there');
  await bob.produce('mic');
  await bob.produce('camera');

  const carol = await FakePeer.join(server.wsUrl, roomId, 'Carol');
  t.teardown(() => carol.close());
  t.same(carol.peersAtJoin.map((p) => p.displayName).sort(), ['Alice', 'Bob']);
  await carol.produce('mic');
  await carol.produce('camera');

  const everyone = [alice, bob, carol];
  for (const peer of everyone) {
    await waitFor(() => peer.consumers.size === 4, { message: `${peer.peerId} consumes 2 tracks from each of the 2 others (has ${peer.consumers.size})` });
    for (const other of everyone.filter((o) => o !== peer)) {
      const kinds = peer.consumersFrom(other.peerId).map((c) => c.info.kind).sort();
      t.same(kinds, ['audio', 'video'], 'audio and video from each other peer');
    }
  }
  t.same(alice.notifications.peerJoined.map((n) => n.peer.displayName), ['Bob', 'Carol'], 'Alice saw Bob and Carol arrive');

  const room = server.app.rooms.rooms.get(roomId);
  t.ok(room, 'the server has the room');
  // Consumers are created paused and resumed only after the client answered newConsumer.
  await waitFor(
    () => [...room!.peers.values()].every((p) => p.consumers.size === 4 && [...p.consumers.values()].every((c) => !c.paused)),
    { message: 'every server-side consumer resumed after its client answered' },
  );
  const video = [...room!.peers.values()][0]!.producers;
  t.ok([...video.values()].some((p) => p.kind === 'video' && p.type === 'simulcast'), 'camera producer is simulcast');

  // Carol leaves: the others drop her consumers and hear that she left.
  await carol.leave();
  for (const peer of [alice, bob]) {
    await waitFor(() => peer.notifications.peerLeft.some((n) => n.peerId === carol.peerId), { message: 'peerLeft for Carol' });
    await waitFor(() => peer.consumersFrom(carol.peerId).length === 0, { message: "Carol's consumers are gone" });
    await waitFor(() => peer.notifications.consumerClosed.length === 2, { message: 'two consumerClosed (audio and video)' });
  }
  t.equal(room!.peers.size, 2, 'two peers left on the server');

  // Bob's socket just drops (closed tab): same effect as leaving.
  bob.signal.close();
  await waitFor(() => alice.notifications.peerLeft.some((n) => n.peerId === bob.peerId), { message: 'peerLeft for Bob after his socket closed' });
  await waitFor(() => alice.consumers.size === 0, { message: 'Alice holds no consumers' });

  await alice.leave();
  await waitFor(() => server.app.rooms.rooms.size === 0, { message: 'the room closed when the last peer left' });
  const inventory = await workerInventory(server.app);
  t.same(inventory, { routers: 0, transports: 0 }, 'the worker holds no routers or transports');
});

t.test('mute state reaches the others', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const alice = await FakePeer.join(server.wsUrl, 'mute', 'Alice');
  const bob = await FakePeer.join(server.wsUrl, 'mute', 'Bob');
  t.teardown(() => { alice.close(); bob.close(); });
  const mic = await alice.produce('mic');
  await waitFor(() => bob.consumers.size === 1, { message: "Bob consumes Alice's mic" });
  const [consumerId] = [...bob.consumers.keys()];

  mic.pause();
  await alice.signal.request('pauseProducer', { producerId: mic.id });
  await waitFor(() => bob.notifications.consumerPaused.some((n) => n.consumerId === consumerId), { message: 'consumerPaused' });
  mic.resume();
  await alice.signal.request('resumeProducer', { producerId: mic.id });
  await waitFor(() => bob.notifications.consumerResumed.some((n) => n.consumerId === consumerId), { message: 'consumerResumed' });

  // A late joiner learns the current mute state from newConsumer.
  mic.pause();
  await alice.signal.request('pauseProducer', { producerId: mic.id });
  const carol = await FakePeer.join(server.wsUrl, 'mute', 'Carol');
  t.teardown(() => carol.close());
  const remote = await waitFor(() => [...carol.consumers.values()][0], { message: "Carol consumes Alice's mic" });
  t.equal(remote.info.producerPaused, true, 'newConsumer says the mic is muted');

  // Stopping a track closes the consumers of everyone else.
  await alice.signal.request('closeProducer', { producerId: mic.id });
  await waitFor(() => bob.consumers.size === 0 && carol.consumers.size === 0, { message: 'consumers closed after closeProducer' });
});

t.test('a room holds at most MAX_PEERS_PER_ROOM people', async (t) => {
  const server = await startServer({ maxPeersPerRoom: 2 });
  t.teardown(() => server.close());
  const a = await FakePeer.join(server.wsUrl, 'small', 'A', { media: false });
  const b = await FakePeer.join(server.wsUrl, 'small', 'B', { media: false });
  t.teardown(() => { a.close(); b.close(); });
  await t.rejects(FakePeer.join(server.wsUrl, 'small', 'C', { media: false }), { code: 'ROOM_FULL' });
  const other = await FakePeer.join(server.wsUrl, 'other-room', 'C', { media: false });
  t.teardown(() => other.close());
  t.pass('another room still has space');
});

t.test('rooms are spread over workers by load', async (t) => {
  const server = await startServer({ workers: 2 });
  t.teardown(() => server.close());
  const peers = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((room) => FakePeer.join(server.wsUrl, room, 'X', { media: false })));
  t.teardown(() => peers.forEach((p) => p.close()));
  const perWorker = new Map<number, number>();
  for (const room of server.app.rooms.rooms.values()) perWorker.set(room.slot.index, (perWorker.get(room.slot.index) ?? 0) + 1);
  t.same([...perWorker.values()], [2, 2], 'two rooms on each of the two workers');
});
