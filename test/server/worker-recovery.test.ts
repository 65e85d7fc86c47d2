/**
 * A mediasoup worker killed with SIGKILL: the pool starts a replacement, the room is rebuilt on a live
 * worker with the same members, and every client sets its media up again (new transports, producing
 * and consuming again) without leaving. Rooms on other workers are not touched.
 */
import t from 'tap';
import { FakePeer } from '../helpers/fake-peer.js';
import { workerInventory } from '../helpers/inventory.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

function roomOf(server: TestServer, roomId: string) {
  const room = server.app.rooms.rooms.get(roomId);
  if (!room) throw new Error(`no room ${roomId}`);
  return room;
}

/** Each peer sends mic and camera and receives both from everyone else. */
async function callOf(server: TestServer, roomId: string, names: string[], wsUrl = server.wsUrl): Promise<FakePeer[]> {
  const peers: FakePeer[] = [];
  for (const name of names) peers.push(await FakePeer.join(wsUrl, roomId, name));
  for (const peer of peers) {
    await peer.produce('mic');
    await peer.produce('camera');
  }
  await waitFor(() => peers.every((peer) => peer.consumers.size === 2 * (peers.length - 1)), {
    message: `everyone in ${roomId} consumes everyone else`,
  });
  return peers;
}

t.test('kill -9 the worker: the room is rebuilt and every client produces and consumes again', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const peers = await callOf(server, 'r', ['Alice', 'Bob', 'Carol']);
  t.teardown(() => peers.forEach((peer) => peer.close()));
  const room = roomOf(server, 'r');
  const oldRouter = room.router;
  const oldPid = room.slot.worker.pid;
  const oldConsumerIds = new Set(peers.flatMap((peer) => [...peer.consumers.keys()]));

  const killedAt = performance.now();
  process.kill(oldPid, 'SIGKILL');
  await waitFor(() => peers.every((peer) => peer.mediaRestarts === 1), { message: 'every client set media up again' });
  await waitFor(() => peers.every((peer) => peer.consumers.size === 4), { message: 'everyone consumes everyone again' });
  t.comment(`from SIGKILL to every client consuming again: ${Math.round(performance.now() - killedAt)} ms (FakeHandler, no media)`);

  t.equal(server.app.rooms.rooms.get('r'), room, 'the same room');
  t.not(room.router, oldRouter, 'on a new router');
  t.notOk(room.router.closed, 'which is open');
  t.not(room.slot.worker.pid, oldPid, 'in the replacement worker');
  t.same([...room.peers.values()].map((peer) => peer.displayName).sort(), ['Alice', 'Bob', 'Carol'], 'with the same members');
  t.ok(peers.every((peer) => peer.notifications.peerLeft.length === 0), 'nobody saw anyone leave');
  t.ok(peers.every((peer) => [...peer.consumers.keys()].every((id) => !oldConsumerIds.has(id))), 'consumers are new ones');
  for (const peer of room.peers.values()) {
    t.equal(peer.producers.size, 2, `${peer.displayName} produces mic and camera on the new router`);
    t.equal(peer.transports.size, 2, `${peer.displayName} has two new transports`);
  }
  t.same(await workerInventory(server.app), { routers: 1, transports: 6 }, 'exactly the new objects exist');
  const report = server.app.rooms.recovery.reports.at(-1);
  t.match(report, { rebuilt: 1, closed: 0 }, 'the recovery report');
  t.comment(`server-side rebuild took ${report?.durationMs} ms (replacement worker start included)`);

  // The rebuilt room is a normal room: people still come and go.
  const dave = await FakePeer.join(server.wsUrl, 'r', 'Dave');
  t.teardown(() => dave.close());
  await waitFor(() => dave.consumers.size === 6, { message: 'a newcomer consumes all three' });
});

t.test('with two workers, only the dead one\'s rooms move, to the live worker at once', async (t) => {
  const server = await startServer({ workers: 2 });
  t.teardown(() => server.close());
  const inA = await callOf(server, 'a', ['A1', 'A2']);
  const inB = await callOf(server, 'b', ['B1', 'B2']);
  t.teardown(() => [...inA, ...inB].forEach((peer) => peer.close()));
  const roomA = roomOf(server, 'a');
  const roomB = roomOf(server, 'b');
  t.not(roomA.slot.index, roomB.slot.index, 'the two rooms are on different workers');
  const routerB = roomB.router;
  const deadPid = roomA.slot.worker.pid;

  process.kill(deadPid, 'SIGKILL');
  await waitFor(() => inA.every((peer) => peer.mediaRestarts === 1 && peer.consumers.size === 2), {
    message: 'room a is back',
  });
  t.not(roomA.slot.worker.pid, deadPid, 'room a lives on a live worker');
  t.equal(roomB.router, routerB, 'room b kept its router');
  t.ok(inB.every((peer) => peer.mediaRestarts === 0 && peer.consumers.size === 2), 'room b noticed nothing');
  await waitFor(() => server.app.media.slots.length === 2, { message: 'the pool is back to two workers' });
});

t.test('a client that was away during the worker death sets media up when it resumes', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const proxy = await TcpProxy.start(Number(new URL(server.url).port));
  t.teardown(() => proxy.close());
  const alice = await FakePeer.join(proxy.wsUrl, 'r', 'Alice');
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob');
  t.teardown(() => { alice.close(); bob.close(); });
  for (const peer of [alice, bob]) {
    await peer.produce('mic');
    await peer.produce('camera');
  }
  await waitFor(() => alice.consumers.size === 2 && bob.consumers.size === 2, { message: 'both consume each other' });

  proxy.block();
  await waitFor(() => roomOf(server, 'r').peers.get(alice.peerId)?.detached, { message: 'Alice is away' });
  process.kill(roomOf(server, 'r').slot.worker.pid, 'SIGKILL');
  await waitFor(() => bob.mediaRestarts === 1, { message: 'Bob set media up again' });
  t.equal(alice.mediaRestarts, 0, 'Alice did not hear of it (she is away)');
  proxy.unblock();

  await waitFor(() => alice.resumes === 1, { message: 'Alice resumed', timeout: 20_000 });
  t.same(alice.lastResume?.transportIds, [], 'the resume says her transports are gone');
  await waitFor(() => alice.mediaRestarts === 1, { message: 'so she set media up again' });
  await waitFor(() => alice.consumers.size === 2 && bob.consumers.size === 2, { message: 'both consume each other again' });
  t.equal(bob.notifications.peerLeft.length, 0, 'Bob never saw Alice leave');
});
