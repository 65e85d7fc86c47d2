/**
 * The operator's HTTP API (/api/) on a real server: the API key guards everything, bad input gets a
 * 400 with a JSON error, and each route does what it says to real participants: minted tokens join,
 * rooms and participants are listed, a mute reaches the participant, a removal and a room closure
 * close their connections with the right code.
 */
import t, { type Test } from 'tap';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import type { SignalCloseEvent } from '../../client/src/signal/signal-error.js';

const API_KEY = 'an-api-key-for-the-tests-0123456789';
const SECRET = 'a-join-token-secret-of-at-least-32-characters';

async function apiServer(t: Test, auth: { joinTokenSecret?: string; apiKey?: string; allowOpenJoin?: boolean } = {}) {
  const server = await startServer({
    auth: { apiKey: API_KEY, joinTokenSecret: SECRET, allowOpenJoin: true, ...auth },
  });
  t.teardown(() => server.close());
  return server;
}

interface ApiResponse {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

async function api(server: TestServer, method: string, path: string, body?: unknown, key: string | null = API_KEY): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}/api${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as ApiResponse['body']) : {} };
}

function closeOf(peer: FakePeer): Promise<SignalCloseEvent> {
  return new Promise((resolve) => peer.signal.onClose(resolve));
}

t.test('the API key guards every route', async (t) => {
  const server = await apiServer(t);
  const none = await api(server, 'GET', '/rooms', undefined, null);
  t.equal(none.status, 401, 'no key: 401');
  t.equal(none.body.error?.code, 'UNAUTHORIZED', 'with a JSON error');
  t.match(none.body.error?.message, /Authorization: Bearer/, 'saying how to send the key');
  const wrong = await api(server, 'POST', '/tokens', { room: 'r', identity: 'x' }, `${API_KEY}x`);
  t.equal(wrong.status, 401, 'a wrong key: 401, before anything is done');
  t.notOk(wrong.body.token, 'and no token');
  t.equal((await api(server, 'GET', '/rooms')).status, 200, 'the right key: 200');
  const missing = await api(server, 'GET', '/nothing-here');
  t.equal(missing.status, 404, 'an unknown route: 404');
  t.equal(missing.body.error?.code, 'NOT_FOUND', 'as JSON');

  const disabled = await startServer();
  t.teardown(() => disabled.close());
  const answer = await api(disabled, 'GET', '/rooms');
  t.equal(answer.status, 403, 'without API_KEY the API is off: 403');
  t.equal(answer.body.error?.code, 'API_DISABLED', 'and says so');
});

t.test('minting tokens: they join with the identity, name and grants asked for', async (t) => {
  const server = await apiServer(t, { allowOpenJoin: false });
  const minted = await api(server, 'POST', '/tokens', {
    room: 'weekly',
    identity: 'ada@example.org',
    name: 'Ada',
    grants: { moderate: true },
    ttlSeconds: 600,
  });
  t.equal(minted.status, 201, 'created');
  t.type(minted.body.token, 'string', 'a token');
  t.match(minted.body.path, /^\/r\/weekly\?token=/, 'and the link path to hand out');
  const expiresIn = Date.parse(String(minted.body.expiresAt)) - Date.now();
  t.ok(expiresIn > 500_000 && expiresIn <= 600_000, `expires in ttlSeconds (${expiresIn} ms)`);

  const ada = await FakePeer.join(server.wsUrl, 'weekly', 'whatever', { token: String(minted.body.token), media: false });
  t.teardown(() => ada.close());
  t.equal(ada.joined.grants.moderate, true, 'the token joins with its grants');
  const room = await api(server, 'GET', '/rooms/weekly');
  const participants = room.body.participants as Array<{ identity: string; displayName: string }>;
  t.same(participants.map((p) => [p.identity, p.displayName]), [['ada@example.org', 'Ada']], 'listed by identity and name');

  for (const [body, pattern] of [
    [{ room: 'bad room!', identity: 'x' }, /room/],
    [{ room: 'r' }, /identity/],
    [{ room: 'r', identity: 'x', ttlSeconds: 5 }, /ttlSeconds/],
    [{ room: 'r', identity: 'x', grants: { publish: 'maybe' } }, /publish/],
    [{ room: 'r', identity: 'x', name: 'bell\u0007' }, /control characters/],
  ] as const) {
    const bad = await api(server, 'POST', '/tokens', body);
    t.equal(bad.status, 400, `400 for ${JSON.stringify(body)}`);
    t.equal(bad.body.error?.code, 'BAD_REQUEST', 'BAD_REQUEST');
    t.match(bad.body.error?.message, pattern, `naming the field (${bad.body.error?.message})`);
  }
  const notJson = await api(server, 'POST', '/tokens', '{"room":');
  t.equal(notJson.status, 400, 'a body that is not JSON: 400');
  t.equal(notJson.body.error?.code, 'BAD_REQUEST', 'as JSON');

  const noSecret = await apiServer(t, { joinTokenSecret: undefined as unknown as string, allowOpenJoin: true });
  const refused = await api(noSecret, 'POST', '/tokens', { room: 'r', identity: 'x' });
  t.equal(refused.status, 409, 'no JOIN_TOKEN_SECRET: 409');
  t.equal(refused.body.error?.code, 'TOKENS_DISABLED', 'TOKENS_DISABLED');
});

t.test('rooms and participants: list, mute, remove, lock, close', async (t) => {
  const server = await apiServer(t);
  const alice = await FakePeer.join(server.wsUrl, 'team', 'Alice', { resume: false });
  const bob = await FakePeer.join(server.wsUrl, 'team', 'Bob', { resume: false });
  const carol = await FakePeer.join(server.wsUrl, 'other', 'Carol', { media: false, resume: false });
  t.teardown(() => [alice, bob, carol].forEach((peer) => peer.close()));
  await alice.produce('mic');
  await waitFor(() => bob.consumersFrom(alice.peerId).length === 1, { message: "Bob consumes Alice's mic" });

  const list = await api(server, 'GET', '/rooms');
  const rooms = (list.body.rooms as Array<{ id: string; participants: number; mode: string; access: string }>).sort((a, b) =>
    a.id.localeCompare(b.id),
  );
  t.same(rooms.map((room) => [room.id, room.participants, room.access]), [['other', 1, 'open'], ['team', 2, 'open']], 'both rooms, with counts');
  t.ok(rooms.every((room) => room.mode === 'sfu' || room.mode === 'p2p'), 'with their media mode');
  const team = await api(server, 'GET', '/rooms/team');
  const alicesEntry = (team.body.participants as Array<{ peerId: string; producers: Array<{ source: string; paused: boolean }> }>).find(
    (p) => p.peerId === alice.peerId,
  );
  t.same(alicesEntry?.producers.map((p) => [p.source, p.paused]), [['mic', false]], "Alice's mic, live");
  t.equal((await api(server, 'GET', '/rooms/nope')).status, 404, 'an unknown room: 404');

  const muted = await api(server, 'POST', `/rooms/team/participants/${alice.peerId}/mute`, { source: 'mic' });
  t.equal(muted.status, 200, 'muted');
  t.equal((muted.body.mutedProducerIds as string[]).length, 1, 'one producer paused');
  await waitFor(() => alice.notifications.mutedByModerator.length === 1, { message: 'Alice is told' });
  t.same(alice.notifications.mutedByModerator[0], { source: 'mic', by: null }, 'by the operator');
  await waitFor(() => bob.notifications.consumerPaused.length === 1, { message: 'Bob sees her muted' });
  const badSource = await api(server, 'POST', `/rooms/team/participants/${alice.peerId}/mute`, { source: 'trumpet' });
  t.equal(badSource.status, 400, 'an unknown source: 400');

  const access = await api(server, 'PUT', '/rooms/team/access', { access: 'locked' });
  t.same(access.body, { access: 'locked' }, 'locked');
  await waitFor(() => bob.notifications.roomAccessChanged.length === 1, { message: 'Bob hears the room was locked' });
  const late = await RawSocket.open(server.wsUrl);
  t.teardown(() => late.close());
  t.equal((await late.request('join', { roomId: 'team', displayName: 'Late' })).error?.code, 'FORBIDDEN', 'a newcomer is kept out');

  const bobClosed = closeOf(bob);
  t.equal((await api(server, 'DELETE', `/rooms/team/participants/${bob.peerId}`)).status, 204, 'removed');
  const bobEvent = await bobClosed;
  t.equal(bobEvent.code, CLOSE_CODES.REMOVED, 'Bob is closed with REMOVED');
  t.match(bobEvent.reason, /by the organizer/, 'and told it was the organizer');
  await waitFor(() => alice.notifications.peerLeft.length === 1, { message: 'Alice sees Bob leave' });
  t.equal((await api(server, 'DELETE', '/rooms/team/participants/nobody')).status, 404, 'removing nobody: 404');

  const aliceClosed = closeOf(alice);
  t.equal((await api(server, 'DELETE', '/rooms/team')).status, 204, 'room closed');
  const aliceEvent = await aliceClosed;
  t.equal(aliceEvent.code, CLOSE_CODES.ROOM_CLOSED, 'Alice is closed with ROOM_CLOSED');
  t.match(aliceEvent.reason, /ended by the organizer/, 'and told why');
  t.equal((await api(server, 'GET', '/rooms/team')).status, 404, 'the room is gone');
  t.equal((await api(server, 'GET', '/rooms/other')).status, 200, 'the other room is untouched');
});

t.test('a participant can be named by the identity of its token', async (t) => {
  const server = await apiServer(t);
  const minted = await api(server, 'POST', '/tokens', { room: 'r', identity: 'dave' });
  const dave = await FakePeer.join(server.wsUrl, 'r', 'Dave', { token: String(minted.body.token), media: false, resume: false });
  t.teardown(() => dave.close());
  const closed = closeOf(dave);
  t.equal((await api(server, 'DELETE', '/rooms/r/participants/dave')).status, 204, 'removed by identity');
  t.equal((await closed).code, CLOSE_CODES.REMOVED, 'Dave is out');
});
