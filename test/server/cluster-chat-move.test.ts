/**
 * Chat across a node loss: each node numbers the chat lines it delivers (`seq`) on its own, so a person
 * whose node dies and who resumes on another lands in a different numbering. The client's own chat code
 * (ChatClient, over signaling here) must notice (ChatSnapshot.logId) and start over in the new
 * numbering, or it would take the new node's (smaller) numbers for old news: a hand lowered after the
 * move would stay up on its screen, and lost lines would never be noticed.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { ChatClient } from '../../client/src/chat/chat-client.js';
import { nodeOf, startCluster } from '../helpers/cluster.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'chat-move';
const redis = await startRedis(t);
const nodes = await startCluster(t, { nodes: 2, redisUrl: redis.url, roomPeersPerNode: 1, heartbeatMs: 200, ttlMs: 1000 });
const inspector = new Redis(redis.url);
t.teardown(() => inspector.disconnect());

const names = new Map<string, string>();
async function person(name: string): Promise<{ peer: FakePeer; chat: ChatClient }> {
  const peer = await FakePeer.join(nodes[0]!.wsUrl, ROOM, name, { media: true });
  names.set(peer.peerId, name);
  const chat = new ChatClient({ signal: peer.signal, selfId: peer.peerId, nameOf: (id) => names.get(id) ?? id });
  t.teardown(() => {
    chat.close();
    peer.close();
  });
  await chat.start();
  return { peer, chat };
}

const texts = (chat: ChatClient): string[] => chat.timeline.entries.map((entry) => entry.text);

t.test('a hand lowered and a line sent after a move show on the moved person\'s screen', async (t) => {
  const alice = await person('Alice');
  // Ten lines on Alice's node before the room spans: that node's numbering runs ahead of the other's.
  for (let i = 1; i <= 10; i++) t.ok(alice.chat.sendText(`before ${i}`).ok, `line ${i} goes out`);
  await waitFor(() => alice.chat.unconfirmed === 0, { message: "the server to confirm Alice's ten lines" });

  const bob = await person('Bob');
  const [aliceNode, bobNode] = [nodeOf(nodes, ROOM, alice.peer.peerId), nodeOf(nodes, ROOM, bob.peer.peerId)];
  t.not(aliceNode, bobNode, 'Bob is on the other node (one person per node)');
  t.ok(bob.chat.setHand(true).ok, 'Bob raises his hand');
  await waitFor(() => alice.chat.raisedHands.has(bob.peer.peerId), { message: "Alice sees Bob's hand" });

  // Alice's node crashes (no goodbye on Redis, every socket cut): she resumes on Bob's node.
  const dead = nodes[aliceNode]!.app;
  await dead.cluster!.close();
  dead.server.close();
  for (const socket of dead.websocketServer.clients) socket.terminate();
  await waitFor(() => alice.peer.resumes >= 1, { timeout: 30_000, message: 'Alice to resume on the surviving node' });
  t.equal(nodeOf([nodes[bobNode]!], ROOM, alice.peer.peerId), 0, "Alice is served by Bob's node now");

  t.ok(bob.chat.sendText('after the move').ok, 'Bob writes after the move');
  await waitFor(() => texts(alice.chat).includes('after the move'), { message: "Alice to get Bob's line after the move" });
  t.ok(bob.chat.setHand(false).ok, 'Bob lowers his hand');
  await waitFor(() => !alice.chat.raisedHands.has(bob.peer.peerId), {
    timeout: 10_000,
    message: "Bob's hand to come down on Alice's screen (numbered anew by the surviving node)",
  });
  t.equal(texts(alice.chat).filter((text) => text === 'after the move').length, 1, 'the line shows once');
  t.equal(texts(alice.chat).filter((text) => text.startsWith('before ')).length, 10, "Alice's own earlier lines stay on her screen");
});
