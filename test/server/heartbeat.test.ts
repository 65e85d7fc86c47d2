/**
 * Heartbeats on both ends. The server pings and drops a socket that stays silent, and once the grace
 * period is over everything that peer owned is gone. The client pings when it has heard nothing for a
 * while, notices a socket that stopped carrying data (the network froze under it) and reconnects.
 */
import t from 'tap';
import WebSocket from 'ws';
import { FakePeer } from '../helpers/fake-peer.js';
import { workerInventory } from '../helpers/inventory.js';
import { startServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

t.test('the server drops a silent socket, then frees what its peer owned', { timeout: 60_000 }, async (t) => {
  const server = await startServer({ resumeGraceMs: 500 }, { signaling: { connection: { heartbeatIntervalMs: 300, heartbeatTimeoutMs: 1000 } } });
  t.teardown(() => server.close());
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob');
  t.teardown(() => bob.close());

  // A client that joins, creates a transport, then goes quiet: it does not even answer pings.
  const silent = new WebSocket(server.wsUrl, { autoPong: false });
  await new Promise((resolve) => silent.once('open', resolve));
  let closeCode: number | undefined;
  silent.on('close', (code) => (closeCode = code));
  const answers: Array<{ id?: number; ok?: boolean }> = [];
  silent.on('message', (data) => answers.push(JSON.parse(String(data))));
  silent.send(JSON.stringify({ kind: 'request', id: 1, method: 'join', data: { roomId: 'r', displayName: 'Silent' } }));
  await waitFor(() => answers.some((m) => m.id === 1 && m.ok), { message: 'the silent client joined' });
  silent.send(JSON.stringify({ kind: 'request', id: 2, method: 'createTransport', data: { direction: 'send' } }));
  await waitFor(() => answers.some((m) => m.id === 2 && m.ok), { message: 'the silent client has a transport' });
  t.same(await workerInventory(server.app), { routers: 1, transports: 3 });

  await waitFor(() => closeCode !== undefined, { message: 'the server drops the silent socket', timeout: 10_000 });
  t.equal(closeCode, 1006, 'terminated, as a dead connection deserves (no closing handshake)');
  await waitFor(() => bob.notifications.peerLeft.length === 1, { message: 'after the grace period, the peer leaves' });
  t.same(await workerInventory(server.app), { routers: 1, transports: 2 }, "its transport is gone; Bob's remain");
});

t.test('a socket that answers pings is kept, even when it sends nothing', async (t) => {
  const server = await startServer({}, { signaling: { connection: { heartbeatIntervalMs: 300, heartbeatTimeoutMs: 1000 } } });
  t.teardown(() => server.close());
  const quiet = await FakePeer.join(server.wsUrl, 'r', 'Quiet', { media: false, heartbeat: { pingIntervalMs: 60_000, pongTimeoutMs: 60_000 } });
  t.teardown(() => quiet.close());
  const connection = server.app.rooms.rooms.get('r')!.peers.get(quiet.peerId)!.channel;
  // Three heartbeat periods of the server's (set to 300 ms below) pass without a single message.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  t.equal(server.app.rooms.rooms.get('r')?.peers.get(quiet.peerId)?.channel, connection, 'still connected');
  t.equal(quiet.signal.state, 'open');
});

t.test('the client notices a socket that stopped carrying data, and reconnects', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const proxy = await TcpProxy.start(Number(new URL(server.url).port));
  t.teardown(() => proxy.close());
  const alice = await FakePeer.join(proxy.wsUrl, 'r', 'Alice', { heartbeat: { pingIntervalMs: 300, pongTimeoutMs: 1000 } });
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob');
  t.teardown(() => { alice.close(); bob.close(); });
  await bob.produce('camera');
  await waitFor(() => alice.consumers.size === 1, { message: "Alice consumes Bob's camera" });
  const serverPeer = server.app.rooms.rooms.get('r')!.peers.get(alice.peerId)!;
  const oldConnection = serverPeer.channel;

  // The path freezes: no error, no close, the socket just stops carrying anything.
  proxy.freeze();
  await waitFor(() => alice.resumes === 1, { message: 'Alice noticed and resumed', timeout: 10_000 });
  t.not(serverPeer.channel, oldConnection, 'the server talks to her new connection');
  t.equal(server.app.rooms.rooms.get('r')?.peers.get(alice.peerId), serverPeer, 'as the same peer');
  t.equal(bob.notifications.peerLeft.length, 0, 'Bob saw nothing');
  t.equal(alice.consumers.size, 1, 'her consumer carried over');
  t.equal(proxy.connections, 2);
});
