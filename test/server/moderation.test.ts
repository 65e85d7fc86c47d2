/**
 * Moderation in open rooms (no join tokens): the first person in moderates and hands over on leaving;
 * moderators lock the room or put a lobby in front of it, where newcomers knock and are admitted or
 * turned away. Real server, real WebSockets.
 */
import t, { type Test } from 'tap';
import { FakePeer } from '../helpers/fake-peer.js';
import { RawSocket, type Received } from '../helpers/raw-socket.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'standup';

async function openServer(t: Test): Promise<TestServer> {
  const server = await startServer();
  t.teardown(() => server.close());
  return server;
}

async function join(t: Test, server: TestServer, name: string): Promise<FakePeer> {
  const peer = await FakePeer.join(server.wsUrl, ROOM, name, { media: false, resume: false });
  t.teardown(() => peer.close());
  return peer;
}

async function socket(t: Test, server: TestServer): Promise<RawSocket> {
  const raw = await RawSocket.open(server.wsUrl);
  t.teardown(() => raw.close());
  return raw;
}

function notifications(raw: RawSocket, method: string): Received[] {
  return raw.received.filter((message) => message.kind === 'notification' && message.method === method);
}

t.test('the first person moderates; when they leave, the longest present takes over', async (t) => {
  const server = await openServer(t);
  const ann = await join(t, server, 'Ann');
  const ben = await join(t, server, 'Ben');
  const cat = await join(t, server, 'Cat');
  t.equal(ann.joined.grants.moderate, true, 'the first in moderates');
  t.equal(ben.joined.grants.moderate, false, 'the second does not');
  t.equal(ben.peersAtJoin.find((peer) => peer.id === ann.peerId)?.moderator, true, 'others see who moderates');

  await ann.leave();
  await waitFor(() => ben.notifications.peerUpdated.length === 1 && cat.notifications.peerUpdated.length === 1, {
    message: 'everyone hears of the new moderator',
  });
  t.same(ben.notifications.peerUpdated[0]?.peer.id, ben.peerId, 'Ben, who came before Cat, moderates now');
  t.equal(ben.notifications.peerUpdated[0]?.peer.moderator, true, 'marked as moderator');
  const locked = await ben.signal.request('setRoomAccess', { access: 'locked' });
  t.equal(locked.access, 'locked', 'and can use it');
  const refused = await cat.signal.request('setRoomAccess', { access: 'open' }).then(() => null, (e: { code: string }) => e);
  t.equal(refused?.code, 'FORBIDDEN', 'Cat still cannot');
});

t.test('a locked room refuses newcomers; opening it lets them in again', async (t) => {
  const server = await openServer(t);
  const host = await join(t, server, 'Host');
  const guest = await join(t, server, 'Guest');
  await host.signal.request('setRoomAccess', { access: 'locked' });
  await waitFor(() => guest.notifications.roomAccessChanged.length === 1, { message: 'everyone is told the room is locked' });
  t.same(guest.notifications.roomAccessChanged[0], { access: 'locked', by: { peerId: host.peerId, displayName: 'Host' } }, 'by whom');

  const late = await socket(t, server);
  const refused = await late.request('join', { roomId: ROOM, displayName: 'Late' });
  t.equal(refused.error?.code, 'FORBIDDEN', 'a newcomer is refused');
  t.match(refused.error?.message, /locked/, 'because the room is locked');
  const knock = await late.request('knock', { roomId: ROOM, displayName: 'Late' });
  t.equal(knock.error?.code, 'FORBIDDEN', 'knocking on a locked room is refused too');

  await host.signal.request('setRoomAccess', { access: 'open' });
  const joined = await late.request('join', { roomId: ROOM, displayName: 'Late' });
  t.equal(joined.ok, true, 'once open, the newcomer gets in');
});

t.test('lobby: knock, wait, be admitted or turned away', async (t) => {
  const server = await openServer(t);
  const host = await join(t, server, 'Host');
  await join(t, server, 'Member');
  await host.signal.request('setRoomAccess', { access: 'lobby' });

  const visitor = await socket(t, server);
  const direct = await visitor.request('join', { roomId: ROOM, displayName: 'Visitor' });
  t.equal(direct.error?.code, 'LOBBY', 'joining a room with a lobby says to knock');
  const knock = await visitor.request('knock', { roomId: ROOM, displayName: 'Visitor' });
  t.equal(knock.ok, true, 'the knock is taken');
  const { knockId } = knock.data as { knockId: string };
  await waitFor(() => host.notifications.lobbyChanged.at(-1)?.knocks.length === 1, { message: 'the moderator sees the knock' });
  t.equal(host.notifications.lobbyChanged.at(-1)?.knocks[0]?.displayName, 'Visitor', 'with the name');
  const again = await visitor.request('join', { roomId: ROOM, displayName: 'Visitor' });
  t.equal(again.error?.code, 'LOBBY', 'still waiting: no way around the lobby');

  await host.signal.request('admitKnock', { knockId });
  await waitFor(() => notifications(visitor, 'knockAnswered').length === 1, { message: 'the visitor hears the answer' });
  t.same(notifications(visitor, 'knockAnswered')[0]?.data, { admitted: true }, 'admitted');
  await waitFor(() => host.notifications.lobbyChanged.at(-1)?.knocks.length === 0, { message: 'the lobby is empty again' });
  const admitted = await visitor.request('join', { roomId: ROOM, displayName: 'Visitor' });
  t.equal(admitted.ok, true, 'the admitted visitor joins on the same connection');

  // A pass is for the connection that was admitted, once.
  const sneaky = await socket(t, server);
  t.equal((await sneaky.request('join', { roomId: ROOM, displayName: 'Sneaky' })).error?.code, 'LOBBY', 'another connection is not admitted');

  const unwanted = await socket(t, server);
  const second = await unwanted.request('knock', { roomId: ROOM, displayName: 'Unwanted' });
  await host.signal.request('denyKnock', { knockId: (second.data as { knockId: string }).knockId });
  await waitFor(() => notifications(unwanted, 'knockAnswered').length === 1, { message: 'the unwanted visitor hears the answer' });
  const answer = notifications(unwanted, 'knockAnswered')[0]?.data as { admitted: boolean; reason: string };
  t.equal(answer.admitted, false, 'turned away');
  t.match(answer.reason, /declined by Host/, 'and by whom');
  t.equal((await unwanted.request('join', { roomId: ROOM, displayName: 'Unwanted' })).error?.code, 'LOBBY', 'and still not in');

  const leaver = await socket(t, server);
  await leaver.request('knock', { roomId: ROOM, displayName: 'Leaver' });
  await waitFor(() => host.notifications.lobbyChanged.at(-1)?.knocks.length === 1, { message: 'the leaver waits' });
  leaver.close();
  await waitFor(() => host.notifications.lobbyChanged.at(-1)?.knocks.length === 0, { message: 'a knocker who hangs up leaves the lobby' });

  const denied = await host.signal.request('admitKnock', { knockId: 'gone' }).then(() => null, (e: { code: string }) => e);
  t.equal(denied?.code, 'NOT_FOUND', 'answering a knock that is gone is NOT_FOUND');
});

t.test('a new moderator is shown who waits; the lobby empties when the meeting ends', async (t) => {
  const server = await openServer(t);
  const host = await join(t, server, 'Host');
  const next = await join(t, server, 'Next');
  await host.signal.request('setRoomAccess', { access: 'lobby' });
  const visitor = await socket(t, server);
  await visitor.request('knock', { roomId: ROOM, displayName: 'Visitor' });
  await waitFor(() => host.notifications.lobbyChanged.length > 0, { message: 'the host sees the knock' });
  t.equal(next.notifications.lobbyChanged.length, 0, 'a non-moderator is not told about the lobby');

  await host.leave();
  await waitFor(() => next.notifications.lobbyChanged.at(-1)?.knocks.length === 1, { message: 'the new moderator is shown the lobby' });

  await next.leave();
  await waitFor(() => notifications(visitor, 'knockAnswered').length === 1, { message: 'the visitor is answered' });
  t.same(notifications(visitor, 'knockAnswered')[0]?.data, { admitted: false, reason: 'the meeting has ended' }, 'the meeting ended');
});

t.test('mute: the server pauses the track, and the target may unmute itself', async (t) => {
  const server = await openServer(t);
  const host = await FakePeer.join(server.wsUrl, ROOM, 'Host', { resume: false });
  const talker = await FakePeer.join(server.wsUrl, ROOM, 'Talker', { resume: false });
  t.teardown(() => [host, talker].forEach((peer) => peer.close()));
  await talker.produce('mic');
  await waitFor(() => host.consumersFrom(talker.peerId).length === 1, { message: "the host consumes the talker's mic" });
  await host.signal.request('mutePeer', { peerId: talker.peerId, source: 'mic' });
  await waitFor(() => host.notifications.consumerPaused.length === 1, { message: 'the host sees the mic paused' });
  await waitFor(() => talker.notifications.mutedByModerator.length === 1, { message: 'the talker is told' });
  const producerId = talker.producers.get('mic')?.id ?? '';
  await talker.signal.request('resumeProducer', { producerId });
  await waitFor(() => host.notifications.consumerResumed.length === 1, { message: 'the talker unmuted itself' });
  t.pass('muted by the moderator, unmuted by the talker');
});
