/**
 * Moderation of a room that spans nodes (server/cluster/span-moderation.ts): three nodes in one process,
 * a real redis-server, ROOM_PEERS_PER_NODE = 1 so that every newcomer lands on another node. A lock or a
 * lobby set by a moderator on one node holds on every node (also on a node whose part of the room
 * starts after the change); a knock waiting on one node is seen and answered by a moderator on another;
 * a moderator mutes and removes people whose client is on another node.
 */
import t, { type Test } from 'tap';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { joinFollowingMoves } from '../../client/src/signal/cluster-join.js';
import { SignalClient } from '../../client/src/signal/signal-client.js';
import { SignalError, type SignalCloseEvent } from '../../client/src/signal/signal-error.js';
import { joinThroughLobby, LobbyDeniedError } from '../../client/src/state/lobby.js';
import { startCluster, nodeOf } from '../helpers/cluster.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const redis = await startRedis(t);
const nodes = await startCluster(t, { nodes: 3, redisUrl: redis.url, roomPeersPerNode: 1 });

async function join(t: Test, entry: number, roomId: string, name: string, media = false): Promise<FakePeer> {
  const peer = await FakePeer.join(nodes[entry]!.wsUrl, roomId, name, { media, resume: false });
  t.teardown(() => peer.close());
  return peer;
}

async function client(t: Test, entry: number): Promise<SignalClient> {
  const signal = await SignalClient.connect(nodes[entry]!.wsUrl);
  t.teardown(() => signal.close());
  return signal;
}

/** Which node serves each of the peers (index into `nodes`). */
const homes = (roomId: string, ...peers: FakePeer[]): number[] => peers.map((peer) => nodeOf(nodes, roomId, peer.peerId));

t.test('a lock set on one node holds on every node, also on a part of the room that starts later', async (t) => {
  const room = 'locked-span';
  const host = await join(t, 0, room, 'Host');
  const guest = await join(t, 0, room, 'Guest');
  const [hostNode, guestNode] = homes(room, host, guest);
  t.not(hostNode, guestNode, 'the guest is on another node than the host (one person per node)');

  await host.signal.request('setRoomAccess', { access: 'locked' });
  await waitFor(() => guest.notifications.roomAccessChanged.length === 1, { message: 'the guest, on another node, hears of the lock' });
  t.same(guest.notifications.roomAccessChanged[0], { access: 'locked', by: { peerId: host.peerId, displayName: 'Host' } }, 'and by whom');

  // Every node already serving the room is full: a newcomer starts the room's part on the third node.
  const late = await client(t, 0);
  const refused = await joinFollowingMoves(late, { roomId: room, displayName: 'Late' }).then(
    () => null,
    (error: unknown) => error,
  );
  t.ok(refused instanceof SignalError, 'the newcomer is refused');
  t.equal((refused as SignalError).code, 'FORBIDDEN', 'as the room is locked');
  const third = [0, 1, 2].find((index) => index !== hostNode && index !== guestNode)!;
  t.ok(nodes[third]!.app.cluster!.spans.has(room), 'by the third node, which had never served the room before');

  await guest.signal.request('setRoomAccess', { access: 'open' }).then(
    () => t.fail('a guest cannot open the room'),
    (error: unknown) => t.equal((error as SignalError).code, 'FORBIDDEN', 'a guest cannot open it'),
  );
  await host.signal.request('setRoomAccess', { access: 'open' });
  await waitFor(() => guest.notifications.roomAccessChanged.length === 2, { message: 'the guest hears the room is open again' });
  const joined = await joinFollowingMoves(late, { roomId: room, displayName: 'Late' });
  t.ok(joined.peerId, 'once open, the newcomer gets in');
  t.same(joined.access, 'open', 'and is told the room is open');
});

t.test('a newcomer refused at the door leaves no part of the room behind on its node', async (t) => {
  const room = 'refused-span';
  const host = await join(t, 0, room, 'Host');
  const guest = await join(t, 0, room, 'Guest');
  await host.signal.request('setRoomAccess', { access: 'locked' });
  const [hostNode, guestNode] = homes(room, host, guest);
  const third = [0, 1, 2].find((index) => index !== hostNode && index !== guestNode)!;
  const late = await client(t, 0);
  const refused = await joinFollowingMoves(late, { roomId: room, displayName: 'Late' }).then(() => null, (error: unknown) => error);
  t.equal((refused as SignalError | null)?.code, 'FORBIDDEN', 'the newcomer is refused');
  t.ok(nodes[third]!.app.cluster!.spans.has(room), 'by the third node');
  late.close();
  // Two checks 15 s apart (room-span.ts UNUSED_CHECK_MS).
  await waitFor(() => !nodes[third]!.app.cluster!.spans.has(room), { timeout: 45_000, message: "the third node to close its unused part of the room" });
  await waitFor(async () => !(await nodes[hostNode!]!.app.cluster!.placement.spanOf(room)).includes(`n${third + 1}`), {
    message: 'Redis to no longer count the third node in the room',
  });
  t.ok(nodes[hostNode!]!.app.cluster!.spans.has(room) && nodes[guestNode!]!.app.cluster!.spans.has(room), 'the meeting goes on on the other two');
});

t.test('a knock on one node is answered by a moderator on another', async (t) => {
  const room = 'lobby-span';
  const host = await join(t, 1, room, 'Host');
  await host.signal.request('setRoomAccess', { access: 'lobby' });

  const visitor = await client(t, 0);
  let waiting = false;
  const admitted = joinThroughLobby(visitor, { roomId: room, displayName: 'Visitor' }, (now) => (waiting = now));
  await waitFor(() => host.notifications.lobbyChanged.at(-1)?.knocks.length === 1, { message: 'the host sees the visitor knocking on another node' });
  t.ok(waiting, 'the visitor waits in the lobby');
  const knock = host.notifications.lobbyChanged.at(-1)!.knocks[0]!;
  t.equal(knock.displayName, 'Visitor', 'with the name');
  await host.signal.request('admitKnock', { knockId: knock.knockId });
  const joined = await admitted;
  t.ok(joined.peerId, 'admitted, the visitor is in');
  const [hostNode] = homes(room, host);
  const visitorNode = nodes.findIndex((node) => {
    const span = node.app.cluster?.spans.get(room);
    return span !== undefined && span.room.peers.has(joined.peerId) && !span.isRemote(joined.peerId);
  });
  t.not(visitorNode, hostNode, 'on another node than the host');
  await waitFor(() => host.notifications.lobbyChanged.at(-1)?.knocks.length === 0, { message: 'the lobby is empty again' });
  await waitFor(() => host.notifications.peerJoined.some(({ peer }) => peer.id === joined.peerId), { message: 'the host sees the visitor come in' });

  // The third node's part of the room: a second visitor is turned away from there.
  const unwanted = await client(t, 2);
  const denied = joinThroughLobby(unwanted, { roomId: room, displayName: 'Unwanted' }, () => {}).then(
    () => null,
    (error: unknown) => error,
  );
  await waitFor(() => host.notifications.lobbyChanged.at(-1)?.knocks.some((k) => k.displayName === 'Unwanted') === true, {
    message: 'the host sees the second visitor knock',
  });
  const second = host.notifications.lobbyChanged.at(-1)!.knocks.find((k) => k.displayName === 'Unwanted')!;
  await host.signal.request('denyKnock', { knockId: second.knockId });
  const error = await denied;
  t.ok(error instanceof LobbyDeniedError, 'the second visitor is turned away');
  t.match((error as LobbyDeniedError).reason, /declined by Host/, 'and told by whom');

  const gone = await host.signal.request('admitKnock', { knockId: second.knockId }).then(
    () => null,
    (e: unknown) => e,
  );
  t.equal((gone as SignalError | null)?.code, 'NOT_FOUND', 'an answered knock cannot be answered again');
});

t.test('a moderator mutes and removes someone whose client is on another node', async (t) => {
  const room = 'moderate-span';
  const host = await join(t, 0, room, 'Host', true);
  const guest = await join(t, 0, room, 'Guest', true);
  await guest.produce('mic');
  const [hostNode, guestNode] = homes(room, host, guest);
  t.not(hostNode, guestNode, 'host and guest are on different nodes');
  await waitFor(() => host.consumersFrom(guest.peerId).length === 1, { timeout: 20_000, message: "the host consumes the guest's microphone through the pipe" });

  const { mutedProducerIds } = await host.signal.request('mutePeer', { peerId: guest.peerId, source: 'mic' });
  t.same(mutedProducerIds, [guest.producers.get('mic')!.id], "the answer names the guest's microphone");
  await waitFor(() => guest.notifications.mutedByModerator.length === 1, { message: 'the guest is told it was muted' });
  t.same(guest.notifications.mutedByModerator[0], { source: 'mic', by: { peerId: host.peerId, displayName: 'Host' } }, 'by the host');
  await waitFor(() => host.notifications.peerMuted.some((m) => m.peerId === guest.peerId && m.source === 'mic' && m.muted), {
    message: 'the host sees the guest muted',
  });
  const guestsProducer = nodes[guestNode!]!.app.cluster!.spans.get(room)!.room.peers.get(guest.peerId)!.producers.get(guest.producers.get('mic')!.id);
  t.equal(guestsProducer?.paused, true, "the guest's node paused the microphone");

  const closed = new Promise<SignalCloseEvent>((resolve) => guest.signal.onClose(resolve));
  await host.signal.request('removePeer', { peerId: guest.peerId });
  const event = await closed;
  t.equal(event.code, CLOSE_CODES.REMOVED, "the guest's connection closes as removed");
  t.match(event.reason, /Host/, 'naming who removed it');
  await waitFor(() => host.notifications.peerLeft.some(({ peerId }) => peerId === guest.peerId), { message: 'the host sees the guest leave' });
  for (const node of nodes) {
    t.notOk(node.app.cluster!.spans.get(room)?.room.peers.has(guest.peerId), 'no node holds the guest any more');
  }
});

t.test('a moderator cannot reach past its room: unknown people are NOT_FOUND', async (t) => {
  const host = await join(t, 0, 'scoped-span', 'Host');
  const other = await join(t, 0, 'elsewhere-room', 'Other');
  const error = await host.signal.request('removePeer', { peerId: other.peerId }).then(
    () => null,
    (e: unknown) => e,
  );
  t.equal((error as SignalError | null)?.code, 'NOT_FOUND', 'someone of another room is not found');
  t.notOk(other.signal.closed, 'and stays');
});
