/**
 * Session resume: a client whose connection breaks comes back on a new socket as the same peer, with
 * its media objects intact and ICE restarted, and the others never see it leave. Only the holder of
 * the resume token can do that, once per token; after the grace period the peer is gone for good.
 * The network is broken for real, by a TCP proxy between the client and the server.
 */
import t, { type Test } from 'tap';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { workerInventory } from '../helpers/inventory.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';
import type { SignalCloseEvent } from '../../client/src/signal/signal-error.js';

function serverPeer(server: TestServer, roomId: string, peerId: string) {
  const peer = server.app.rooms.rooms.get(roomId)?.peers.get(peerId);
  if (!peer) throw new Error(`peer ${peerId} is not in room ${roomId}`);
  return peer;
}

async function setUp(t: Test, overrides: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer(overrides);
  t.teardown(() => server.close());
  const proxy = await TcpProxy.start(Number(new URL(server.url).port));
  t.teardown(() => proxy.close());
  return { server, proxy };
}

t.test('a broken socket resumes as the same peer; nobody sees it leave or join', async (t) => {
  const { server, proxy } = await setUp(t);
  const alice = await FakePeer.join(proxy.wsUrl, 'r', 'Alice');
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob');
  t.teardown(() => { alice.close(); bob.close(); });
  await alice.produce('mic');
  await alice.produce('camera');
  await bob.produce('camera');
  await waitFor(() => bob.consumers.size === 2 && alice.consumers.size === 1, { message: 'both consume each other' });

  const before = serverPeer(server, 'r', alice.peerId);
  const transportIds = [...before.transports.keys()].sort();
  const producerIds = [...before.producers.keys()].sort();
  const ufrags = [...before.transports.values()].map((transport) => transport.iceParameters.usernameFragment);
  const bobsConsumersOfAlice = [...bob.consumers.keys()].sort();
  const firstToken = alice.resumeToken;

  proxy.cut();
  await waitFor(() => alice.resumes === 1, { message: 'Alice resumed' });

  const after = serverPeer(server, 'r', alice.peerId);
  t.equal(after, before, 'the same peer object on the server');
  t.same([...after.transports.keys()].sort(), transportIds, 'the same transports');
  t.same([...after.producers.keys()].sort(), producerIds, 'the same producers');
  t.ok([...after.producers.values()].every((producer) => !producer.closed && !producer.paused), 'still sending');
  const newUfrags = [...after.transports.values()].map((transport) => transport.iceParameters.usernameFragment);
  t.ok(newUfrags.every((ufrag, index) => ufrag !== ufrags[index]), 'both transports did an ICE restart');
  t.same([...bob.consumers.keys()].sort(), bobsConsumersOfAlice, "Bob's consumers of Alice are untouched");
  t.equal(bob.notifications.peerLeft.length, 0, 'Bob saw no leave');
  t.equal(bob.notifications.peerJoined.length, 0, 'Bob saw no join');
  t.equal(alice.consumers.size, 1, "Alice still has Bob's camera");
  t.not(alice.resumeToken, firstToken, 'a resume hands out a new token');
  t.equal(alice.lastResume?.peers.map((p) => p.id).join(), bob.peerId, 'the resume lists who is here');
  t.equal(proxy.connections, 2, 'over a new connection');
  t.equal(alice.signal.state, 'open');
});

t.test('what happened while away is caught up on resume', async (t) => {
  const { server, proxy } = await setUp(t);
  const alice = await FakePeer.join(proxy.wsUrl, 'r', 'Alice');
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob');
  t.teardown(() => { alice.close(); bob.close(); });
  const bobsCamera = await bob.produce('camera');
  await waitFor(() => alice.consumers.size === 1, { message: "Alice consumes Bob's camera" });
  const [oldConsumerId] = [...alice.consumers.keys()];

  proxy.block();
  await waitFor(() => alice.signal.state === 'reconnecting', { message: 'Alice is reconnecting' });
  await waitFor(() => serverPeer(server, 'r', alice.peerId).detached, { message: 'the server noticed' });
  const carol = await FakePeer.join(server.wsUrl, 'r', 'Carol');
  t.teardown(() => carol.close());
  await carol.produce('mic');
  await bob.produce('mic');
  bobsCamera.close();
  await bob.signal.request('closeProducer', { producerId: bobsCamera.id });
  await waitFor(() => serverPeer(server, 'r', alice.peerId).consumers.size === 0, {
    message: "Alice's consumer of the closed camera is gone on the server",
  });
  proxy.unblock();

  await waitFor(() => alice.resumes === 1, { message: 'Alice resumed', timeout: 20_000 });
  t.same(alice.lastResume?.peers.map((p) => p.displayName), ['Bob', 'Carol'], 'Carol, who came meanwhile, is listed');
  t.same(alice.lastResume?.consumers, [], 'the consumer of the closed camera is not listed');
  t.notOk(alice.consumers.has(oldConsumerId!), 'so Alice dropped it');
  await waitFor(() => alice.consumers.size === 2, { message: "Alice gets Bob's and Carol's new mics" });
  t.same([...alice.consumers.values()].map((c) => c.info.source).sort(), ['mic', 'mic']);
  t.equal(bob.notifications.peerLeft.length, 0, 'Bob saw no leave');
});

t.test('after the grace period the peer leaves and everything it had is freed', async (t) => {
  const { server, proxy } = await setUp(t, { resumeGraceMs: 1500 });
  const alice = await FakePeer.join(proxy.wsUrl, 'r', 'Alice');
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob');
  t.teardown(() => { alice.close(); bob.close(); });
  await alice.produce('camera');
  await waitFor(() => bob.consumers.size === 1, { message: "Bob consumes Alice's camera" });
  let finalClose: SignalCloseEvent | undefined;
  alice.signal.onClose((event) => (finalClose = event));

  proxy.block();
  await waitFor(() => bob.notifications.peerLeft.length === 1, { message: 'Alice leaves once the grace period is over' });
  t.equal(bob.notifications.peerLeft[0]?.peerId, alice.peerId);
  t.equal(bob.consumers.size, 0, "Bob's consumer of Alice is gone");
  t.same(await workerInventory(server.app), { routers: 1, transports: 2 }, "only Bob's two transports remain");
  await waitFor(() => finalClose, { message: "Alice's client gives up", timeout: 10_000 });
  t.equal(finalClose?.reconnectFailed, true, 'and says that reconnecting failed');
  t.equal(alice.signal.closed, true);
});

t.test('only the current token resumes, and only its own peer', async (t) => {
  const { server, proxy } = await setUp(t);
  const alice = await FakePeer.join(proxy.wsUrl, 'r', 'Alice', { media: false });
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob', { media: false });
  t.teardown(() => { alice.close(); bob.close(); });
  const raw = await RawSocket.open(server.wsUrl);
  t.teardown(() => raw.close());

  const attempts: Array<[string, Record<string, string>]> = [
    ['a guessed token', { roomId: 'r', peerId: alice.peerId, resumeToken: 'A'.repeat(43) }],
    ["Bob's token for Alice", { roomId: 'r', peerId: alice.peerId, resumeToken: bob.resumeToken }],
    ['the right token in another room', { roomId: 'elsewhere', peerId: alice.peerId, resumeToken: alice.resumeToken }],
    ['an unknown peer', { roomId: 'r', peerId: 'nobody', resumeToken: alice.resumeToken }],
  ];
  for (const [what, data] of attempts) {
    t.match(await raw.request('resume', data), { ok: false, error: { code: 'NOT_FOUND' } }, what);
  }
  t.match(await raw.request('resume', { roomId: 'r', peerId: alice.peerId }), { ok: false, error: { code: 'BAD_REQUEST' } }, 'no token');
  t.match(await raw.request('createTransport', { direction: 'send' }), { ok: false, error: { code: 'NOT_JOINED' } }, 'still nobody');

  const spent = alice.resumeToken;
  proxy.cut();
  await waitFor(() => alice.resumes === 1, { message: 'Alice resumed' });
  t.match(await raw.request('resume', { roomId: 'r', peerId: alice.peerId, resumeToken: spent }), { ok: false, error: { code: 'NOT_FOUND' } }, 'a spent token');

  // Whoever holds the current token is the peer: the connection it replaces is closed, for good.
  let aliceClosed: SignalCloseEvent | undefined;
  alice.signal.onClose((event) => (aliceClosed = event));
  const taken = await raw.request('resume', { roomId: 'r', peerId: alice.peerId, resumeToken: alice.resumeToken });
  t.match(taken, { ok: true, data: { peerId: alice.peerId } }, 'the current token works');
  await waitFor(() => aliceClosed, { message: "the replaced connection's client is told" });
  t.equal(aliceClosed?.code, CLOSE_CODES.REPLACED, 'with REPLACED');
  t.equal(aliceClosed?.reconnectFailed, false, 'and it does not fight back');
  t.equal(bob.notifications.peerLeft.length, 0, 'Bob saw no leave');
  t.match(await raw.request('join', { roomId: 'r', displayName: 'x' }), { ok: false, error: { code: 'ALREADY_JOINED' } });
});

t.test('closing on purpose leaves at once, without a grace period', async (t) => {
  const { server } = await setUp(t);
  const alice = await FakePeer.join(server.wsUrl, 'r', 'Alice');
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob');
  t.teardown(() => bob.close());
  alice.close();
  await waitFor(() => bob.notifications.peerLeft.length === 1, { message: 'Alice left', timeout: 3000 });
  t.same(await workerInventory(server.app), { routers: 1, transports: 2 });
});

t.test('with RESUME_GRACE_SECONDS=0 a broken socket leaves at once and nothing is resumable', async (t) => {
  const { server, proxy } = await setUp(t, { resumeGraceMs: 0 });
  const alice = await FakePeer.join(proxy.wsUrl, 'r', 'Alice', { media: false });
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob', { media: false });
  t.teardown(() => { alice.close(); bob.close(); });
  t.equal(alice.resumeGraceMs, 0, 'the join answer says so');
  let closed: SignalCloseEvent | undefined;
  alice.signal.onClose((event) => (closed = event));
  proxy.cut();
  await waitFor(() => bob.notifications.peerLeft.length === 1, { message: 'Alice left', timeout: 3000 });
  await waitFor(() => closed, { message: "Alice's client ends" });
  t.equal(closed?.code, 1006);
});
