/**
 * Graceful drain, in one process: the node serving most of a spanning room is stopped as SIGTERM stops
 * it (`shutDown`). It leaves Redis's node list and hands the room over before closing its sockets with
 * 4009 MOVING; its clients resume on the other nodes with the same peer ids and consume everyone again,
 * and nobody sees anyone leave. Heartbeat records live 60 s here, so nothing of this can come from the
 * stopped node's record expiring (the waits give up long before).
 */
import t from 'tap';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { shutDown } from '../../server/lifecycle/shutdown.js';
import { nodeOf, startSpanningCall } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'drain';
const { nodes, people, inspector, everyoneConsumesEveryone } = await startSpanningCall(t, { roomId: ROOM, ttlMs: 60_000 });

t.test('the stopped node hands its room and people over to the others at once', async (t) => {
  const ownerId = (await inspector.get(`sw:room:${ROOM}:owner`))!;
  const owner = nodes.findIndex((_, index) => `n${index + 1}` === ownerId);
  const moving = people.filter((peer) => nodeOf(nodes, ROOM, peer.peerId) === owner);
  t.equal(moving.length, 2, `two people on the owner ${ownerId}`);
  const closeCodes: number[] = [];
  for (const peer of moving) peer.signal.onReconnecting((event) => closeCodes.push(event.code));
  const oldConsumers = new Set(people.flatMap((peer) => [...peer.consumers.keys()]));

  await shutDown(nodes[owner]!.app);
  t.equal(await inspector.exists(`sw:node:${ownerId}:record`), 0, 'the stopped node left the node list (its record did not wait for its TTL)');
  t.not(await inspector.get(`sw:room:${ROOM}:owner`), ownerId, 'the room is owned by another node');
  t.notOk(await inspector.hexists(`sw:room:${ROOM}:span`, ownerId), 'and the stopped node is out of its span');
  await waitFor(() => closeCodes.length === 2, { message: 'both clients of the stopped node to start reconnecting' });
  t.same(closeCodes, [CLOSE_CODES.MOVING, CLOSE_CODES.MOVING], 'they were told the call moves (4009)');

  await waitFor(
    () =>
      moving.every((peer) => {
        const home = nodeOf(nodes, ROOM, peer.peerId);
        return home !== -1 && home !== owner;
      }),
    { timeout: 20_000, message: 'the moved people are served by the other nodes' },
  );
  // Every pair with a moved person in it consumes again, through new consumers on the new nodes.
  const pairs = people.flatMap((peer) => people.filter((other) => other !== peer && (moving.includes(peer) || moving.includes(other))).map((other) => [peer, other] as const));
  await waitFor(() => pairs.every(([peer, other]) => peer.consumersFrom(other.peerId).some(({ consumer }) => !oldConsumers.has(consumer.id))), {
    timeout: 20_000,
    message: 'everyone consumes the moved people, and they everyone, through new consumers',
  });
  await waitFor(everyoneConsumesEveryone, { timeout: 20_000, message: 'one consumer per other person, no stale one left' });
  for (const [index, peer] of people.entries()) t.same(peer.notifications.peerLeft, [], `nobody left, as person ${index + 1} saw it`);
  t.ok(moving.every((peer) => !peer.signal.closed), 'the moved clients are connected (same peer ids, no rejoin)');
});
