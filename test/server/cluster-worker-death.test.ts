/**
 * A mediasoup worker killed in a room that spans nodes: the node rebuilds the room on a new router
 * (worker-recovery.ts), which takes its PipeTransports with it. The room's part there must pipe again
 * both ways: its own people produce again and are piped out afresh, and the other node's producers come
 * in again, so everyone consumes everyone with nobody leaving, on either node.
 */
import t from 'tap';
import { nodeOf, startCluster } from '../helpers/cluster.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'span-worker-death';
const redis = await startRedis(t);
const nodes = await startCluster(t, { nodes: 2, redisUrl: redis.url, roomPeersPerNode: 2 });

t.test("kill -9 one node's worker: the pipes come back and everyone consumes everyone again", async (t) => {
  const people: FakePeer[] = [];
  t.teardown(() => people.forEach((peer) => peer.close()));
  for (const name of ['Alice', 'Bob', 'Carol']) {
    const peer = await FakePeer.join(nodes[0]!.wsUrl, ROOM, name);
    await peer.produce('mic');
    await peer.produce('camera');
    people.push(peer);
  }
  const everyoneConsumesEveryone = () => people.every((peer) => peer.consumers.size === 2 * (people.length - 1));
  await waitFor(everyoneConsumesEveryone, { timeout: 20_000, message: 'the call to be set up across the two nodes' });
  const homes = people.map((peer) => nodeOf(nodes, ROOM, peer.peerId));
  t.equal(new Set(homes).size, 2, `the room spans both nodes (${homes.join(', ')})`);

  // The node with two of the three people loses its worker.
  const victim = homes.filter((home) => home === homes[0]).length === 2 ? homes[0]! : homes.find((home) => home !== homes[0])!;
  const other = victim === 0 ? 1 : 0;
  const room = nodes[victim]!.app.cluster!.spans.get(ROOM)!.room;
  const oldPid = room.slot.worker.pid;
  const oldConsumers = new Set(people.flatMap((peer) => [...peer.consumers.keys()]));
  const onVictim = people.filter((_, index) => homes[index] === victim);
  const onOther = people.filter((_, index) => homes[index] !== victim);

  const killedAt = performance.now();
  process.kill(oldPid, 'SIGKILL');
  await waitFor(() => onVictim.every((peer) => peer.mediaRestarts === 1), { timeout: 20_000, message: "the victim node's people to set their media up again" });
  await waitFor(
    () => everyoneConsumesEveryone() && people.every((peer) => [...peer.consumers.keys()].some((id) => !oldConsumers.has(id))),
    { timeout: 30_000, message: 'everyone to consume everyone again, through new pipes' },
  );
  t.comment(`from SIGKILL to everyone consuming again across the nodes: ${Math.round(performance.now() - killedAt)} ms (FakeHandler, no media)`);

  t.not(room.slot.worker.pid, oldPid, 'the victim node rebuilt the room in its replacement worker');
  t.equal(nodes[victim]!.app.cluster!.spans.get(ROOM)?.room, room, 'the same room there');
  for (const peer of onOther) {
    t.equal(peer.mediaRestarts, 0, `${peer.joined.peerId.slice(0, 8)} on the other node never had to set media up again`);
    const fromVictim = [...peer.consumers].filter(([, consumer]) => onVictim.some((moved) => moved.peerId === consumer.info.peerId));
    t.equal(fromVictim.length, 2 * onVictim.length, "and consumes the victim node's people");
    t.ok(fromVictim.every(([id]) => !oldConsumers.has(id)), 'through new consumers');
  }
  t.ok(people.every((peer) => peer.notifications.peerLeft.length === 0), 'nobody saw anyone leave');
  await waitFor(() => nodes[victim]!.app.cluster!.spans.get(ROOM)?.linkCount === 1 && nodes[other]!.app.cluster!.spans.get(ROOM)?.linkCount === 1, {
    message: 'one connected pipe on each side',
  });
});
