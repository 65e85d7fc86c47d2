/**
 * Node loss, in one process: the node serving most of a spanning room "dies" (it stops answering Redis
 * and heartbeats, stops listening and drops every socket without a word, like a crash; the real
 * SIGKILL runs in test/cluster/node-loss.test.ts). Its clients resume on the surviving nodes with
 * the same peer ids, set their media up again there and consume everyone; the survivors close their
 * pipes to the dead node; the one client that never left sees nobody leave.
 */
import t from 'tap';
import { nodeOf, startSpanningCall } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'loss';
const { nodes, people, inspector, everyoneConsumesEveryone } = await startSpanningCall(t, { roomId: ROOM, ttlMs: 1000 });

t.test('the owner dies: its people come back on the other nodes, nobody leaves', async (t) => {
  const ownerId = await inspector.get(`sw:room:${ROOM}:owner`);
  const owner = nodes.findIndex((_, index) => `n${index + 1}` === ownerId);
  const moving = people.filter((peer) => nodeOf(nodes, ROOM, peer.peerId) === owner);
  const staying = people.filter((peer) => !moving.includes(peer));
  t.equal(moving.length, 2, `two people on the owner ${ownerId}`);
  const survivors = nodes.filter((_, index) => index !== owner);
  t.ok(survivors.some((node) => node.app.cluster!.spans.get(ROOM)?.linkCount === 1), 'a survivor has a pipe to the owner');

  // The crash: no more Redis (so no heartbeat and no goodbye), no listener, every socket cut.
  const dead = nodes[owner]!.app;
  const started = performance.now();
  // Out of the registry at once (like an expired record) but without a word on the room's channel.
  await dead.cluster!.close();
  dead.server.close();
  for (const socket of dead.websocketServer.clients) socket.terminate();

  await waitFor(() => moving.every((peer) => peer.resumes >= 1 && peer.mediaRestarts >= 1) && everyoneConsumesEveryone(), {
    timeout: 30_000,
    message: 'the moved people resumed, set media up again, and everyone consumes everyone',
  });
  t.comment(`all resumed with media after ${Math.round(performance.now() - started)} ms (NODE_TTL_MS 1000)`);
  // (The dead node's memory still holds its old room: only the survivors count.)
  for (const peer of moving) t.not(nodeOf(survivors, ROOM, peer.peerId), -1, `${peer.joined.peerId.slice(0, 8)} is served by a surviving node now`);
  for (const peer of staying) {
    t.equal(peer.resumes, 0, 'the one on the surviving node never had to reconnect');
    t.same(peer.notifications.peerLeft, [], 'and saw nobody leave');
  }
  for (const node of survivors) {
    const span = node.app.cluster!.spans.get(ROOM);
    if (span) t.notOk(span.nodes.includes(ownerId!), `${node.app.cluster!.nodeId} forgot the dead node (pipes: ${span.linkCount})`);
  }
  t.equal(await inspector.get(`sw:room:${ROOM}:owner`) === ownerId, false, 'the room has a new owner');
});
