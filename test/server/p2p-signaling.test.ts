/**
 * P2P signaling through a real server and real WebSockets: who is told to start, what gets relayed to
 * whom (and what is refused), the reports that switch the room, and the explicit mute state.
 *
 * FakePeers' transports never reach DTLS `connected` (mediasoup-client's FakeHandler sends no packets),
 * so the tests mark peers ready the way the room does when a real transport connects.
 */
import t from 'tap';
import type { Test } from 'tap';
import { MAX_SDP_LENGTH } from '../../protocol/limits.js';
import type { P2PNotifications } from '../../protocol/p2p.js';
import type { P2PConfig } from '../../server/config.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const P2P: P2PConfig = {
  enabled: true,
  switchBackDelayMs: 300,
  connectTimeoutMs: 20_000,
  iceServerUrls: ['stun:stun.example.org:3478'],
  iceTransportPolicy: 'all',
};

const OFFER_SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

/** A FakePeer with a log of the P2P notifications it got. */
interface Member {
  fake: FakePeer;
  id: string;
  got: { [M in keyof P2PNotifications]: P2PNotifications[M][] };
}

async function member(t: Test, server: TestServer, roomId: string, name: string, muted?: { mic: boolean; camera: boolean }): Promise<Member> {
  const fake = await FakePeer.join(server.wsUrl, roomId, name, { media: false, ...(muted ? { muted } : {}) });
  t.teardown(() => fake.close());
  const got: Member['got'] = { p2pStart: [], p2pActive: [], p2pStop: [], p2pClose: [], p2pSignal: [], peerMuted: [] };
  for (const method of Object.keys(got) as (keyof P2PNotifications)[]) {
    fake.signal.on(method, (data) => (got[method] as unknown[]).push(data));
  }
  return { fake, id: fake.peerId, got };
}

function roomOf(server: TestServer, roomId: string) {
  const room = server.app.rooms.rooms.get(roomId);
  if (!room) throw new Error(`no room ${roomId}`);
  return room;
}

/** Two members of `roomId`, both ready, with the p2pStart each got. */
async function pair(t: Test, server: TestServer, roomId: string) {
  const a = await member(t, server, roomId, 'A');
  const b = await member(t, server, roomId, 'B');
  const room = roomOf(server, roomId);
  room.p2p.peerReady(a.id);
  room.p2p.peerReady(b.id);
  await waitFor(() => a.got.p2pStart.length === 1 && b.got.p2pStart.length === 1, { message: 'p2pStart to both' });
  const [offerer, answerer] = a.got.p2pStart[0]!.role === 'offerer' ? [a, b] : [b, a];
  return { room, offerer, answerer, sessionId: a.got.p2pStart[0]!.sessionId };
}

t.test('two ready peers are told to start; the lower peer id offers; ICE servers come from config', async (t) => {
  const server = await startServer({ p2p: P2P });
  t.teardown(() => server.close());
  const a = await member(t, server, 'start', 'A');
  const b = await member(t, server, 'start', 'B');
  const room = roomOf(server, 'start');
  room.p2p.peerReady(a.id);
  t.equal(room.p2p.phase, 'idle', 'one ready peer is not enough');
  room.p2p.peerReady(b.id);
  await waitFor(() => a.got.p2pStart.length === 1 && b.got.p2pStart.length === 1, { message: 'p2pStart to both' });
  const startA = a.got.p2pStart[0]!;
  const startB = b.got.p2pStart[0]!;
  t.equal(startA.sessionId, startB.sessionId, 'one session for both');
  t.equal(startA.peerId, b.id, "A is told B's id");
  t.equal(startB.peerId, a.id, "B is told A's id");
  t.same([startA.role, startB.role].sort(), ['answerer', 'offerer'], 'exactly one offerer');
  t.equal(startA.role, a.id < b.id ? 'offerer' : 'answerer', 'the lower id offers');
  t.same(startA.iceServers, [{ urls: ['stun:stun.example.org:3478'] }]);
  t.equal(startA.iceTransportPolicy, 'all');
  t.equal(room.mediaMode, 'sfu', 'still SFU until both receive over P2P');
});

t.test('signals are relayed to the other peer of the session only, and only by the pair', async (t) => {
  const server = await startServer({ p2p: P2P });
  t.teardown(() => server.close());
  const { offerer, answerer, sessionId } = await pair(t, server, 'relay');

  const offer = { type: 'description' as const, description: { type: 'offer' as const, sdp: OFFER_SDP }, sources: [{ mid: '0', source: 'mic' as const }] };
  await offerer.fake.signal.request('p2pSignal', { sessionId, signal: offer });
  await waitFor(() => answerer.got.p2pSignal.length === 1, { message: 'the answerer gets the offer' });
  t.same(answerer.got.p2pSignal[0], { sessionId, signal: offer }, 'relayed unchanged');
  const candidate = { type: 'candidate' as const, candidate: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } };
  await answerer.fake.signal.request('p2pSignal', { sessionId, signal: candidate });
  await answerer.fake.signal.request('p2pSignal', { sessionId, signal: { type: 'candidate', candidate: null } });
  await waitFor(() => offerer.got.p2pSignal.length === 2, { message: 'the offerer gets both candidates' });
  t.same(offerer.got.p2pSignal.map((s) => s.signal), [candidate, { type: 'candidate', candidate: null }], 'candidates relayed in order');
  t.equal(answerer.got.p2pSignal.length, 1, 'nobody gets their own signals back');

  // Someone in another room who learned the session id is refused.
  const outsider = await member(t, server, 'elsewhere', 'Mallory');
  await t.rejects(outsider.fake.signal.request('p2pSignal', { sessionId, signal: offer }), { code: 'NOT_FOUND' });
  await t.rejects(offerer.fake.signal.request('p2pSignal', { sessionId: 'not-the-session', signal: offer }), { code: 'NOT_FOUND' });
  await t.rejects(outsider.fake.signal.request('p2pReport', { sessionId, event: 'failed', reason: 'spoofed' }), { code: 'NOT_FOUND' });
  t.equal(answerer.got.p2pSignal.length, 1, 'nothing from outsiders reached the pair');
  t.equal(answerer.got.p2pStop.length, 0, "an outsider's report changed nothing");
});

t.test('malformed and oversized SDP and candidates are refused with BAD_REQUEST; the socket stays open', async (t) => {
  const server = await startServer({ p2p: P2P });
  t.teardown(() => server.close());
  const raw = await RawSocket.open(server.wsUrl);
  t.teardown(() => raw.close());
  const joined = await raw.request('join', { roomId: 'hostile', displayName: 'Raw' });
  t.equal(joined.ok, true);
  const other = await member(t, server, 'hostile', 'Other');
  const room = roomOf(server, 'hostile');
  room.p2p.peerReady((joined.data as { peerId: string }).peerId);
  room.p2p.peerReady(other.id);
  await waitFor(() => other.got.p2pStart.length === 1, { message: 'session started' });
  const sessionId = other.got.p2pStart[0]!.sessionId;

  const cases: Array<[string, unknown, RegExp]> = [
    ['SDP over the limit', { type: 'description', description: { type: 'offer', sdp: OFFER_SDP + 'a=x\r\n'.repeat(MAX_SDP_LENGTH / 5) } }, /longer than/],
    ['not SDP at all', { type: 'description', description: { type: 'offer', sdp: '<html>' } }, /v=0/],
    ['control characters', { type: 'description', description: { type: 'answer', sdp: `${OFFER_SDP}\u0000` } }, /control/],
    ['a rollback', { type: 'description', description: { type: 'rollback', sdp: OFFER_SDP } }, /type/],
    ['a candidate smuggling lines', { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host\r\na=evil' } }, /one line/],
    ['a candidate that is not one', { type: 'candidate', candidate: { candidate: 'hello' } }, /candidate:/],
    ['an unknown signal', { type: 'bye' }, /signal/],
    ['extra fields', { type: 'candidate', candidate: null, extra: 1 }, /.+/],
  ];
  for (const [what, signal, message] of cases) {
    const response = await raw.request('p2pSignal', { sessionId, signal });
    t.equal(response.error?.code, 'BAD_REQUEST', `${what}: BAD_REQUEST`);
    t.match(response.error?.message ?? '', message, `${what}: the message says what is wrong`);
  }
  const tooLongReason = await raw.request('p2pReport', { sessionId, event: 'failed', reason: 'x'.repeat(201) });
  t.equal(tooLongReason.error?.code, 'BAD_REQUEST', 'a report reason is capped');
  t.equal(other.got.p2pSignal.length, 0, 'nothing malformed was relayed');
  t.equal(raw.closeEvent, undefined, 'the socket is still open');
  const fine = await raw.request('p2pSignal', { sessionId, signal: { type: 'candidate', candidate: null } });
  t.equal(fine.ok, true, 'a valid signal still goes through');
});

t.test('reports switch the room: both receiving -> P2P; a third joins -> stop; both released -> close', async (t) => {
  const server = await startServer({ p2p: P2P });
  t.teardown(() => server.close());
  const { room, offerer, answerer, sessionId } = await pair(t, server, 'switch');

  await offerer.fake.signal.request('p2pReport', { sessionId, event: 'receiving' });
  t.equal(room.mediaMode, 'sfu', 'one side receiving is not enough');
  await answerer.fake.signal.request('p2pReport', { sessionId, event: 'receiving' });
  await waitFor(() => offerer.got.p2pActive.length === 1 && answerer.got.p2pActive.length === 1, { message: 'p2pActive to both' });
  t.equal(room.mediaMode, 'p2p', 'Room.mediaMode reports P2P (for metrics)');

  const third = await member(t, server, 'switch', 'C');
  await waitFor(() => offerer.got.p2pStop.length === 1 && answerer.got.p2pStop.length === 1, { message: 'p2pStop to both' });
  t.same(offerer.got.p2pStop[0], { sessionId, reason: 'participant-joined' });
  t.equal(room.mediaMode, 'sfu');
  t.equal(third.got.p2pStop.length + third.got.p2pStart.length, 0, 'the newcomer is not involved');

  await offerer.fake.signal.request('p2pReport', { sessionId, event: 'released' });
  t.equal(answerer.got.p2pClose.length, 0, 'the connection stays until both released');
  await answerer.fake.signal.request('p2pReport', { sessionId, event: 'released' });
  await waitFor(() => offerer.got.p2pClose.length === 1 && answerer.got.p2pClose.length === 1, { message: 'p2pClose to both' });
  t.same(answerer.got.p2pClose[0], { sessionId, reason: 'released' });
  await t.rejects(offerer.fake.signal.request('p2pSignal', { sessionId, signal: { type: 'candidate', candidate: null } }), { code: 'NOT_FOUND' }, 'no relay after close');

  // The third leaves: back to P2P after the (short, configured) switch-back delay, with a new session.
  room.p2p.peerReady(third.id);
  await third.fake.leave();
  await waitFor(() => offerer.got.p2pStart.length === 2 && answerer.got.p2pStart.length === 2, { message: 'a second p2pStart after the delay' });
  t.not(offerer.got.p2pStart[1]!.sessionId, sessionId, 'a new session');
});

t.test('a failure report sends the pair back with its reason; a leave closes the session for the other', async (t) => {
  const server = await startServer({ p2p: P2P });
  t.teardown(() => server.close());
  const { offerer, answerer, sessionId } = await pair(t, server, 'failing');
  await answerer.fake.signal.request('p2pReport', { sessionId, event: 'failed', reason: 'ice-failed' });
  await waitFor(() => offerer.got.p2pStop.length === 1, { message: 'p2pStop' });
  t.same(offerer.got.p2pStop[0], { sessionId, reason: 'failed', detail: 'ice-failed' });

  const second = await pair(t, server, 'leaving');
  second.answerer.fake.close();
  await waitFor(() => second.offerer.got.p2pClose.length === 1, { message: 'p2pClose after the partner left' });
  t.same(second.offerer.got.p2pClose[0], { sessionId: second.sessionId, reason: 'peer-left' });
});

t.test('a pair whose P2P dropped mid-call gets a new session after P2P_RETRY_AFTER_FAILURE_MS', async (t) => {
  const server = await startServer({ p2p: { ...P2P, retryAfterFailureMs: 400 } });
  t.teardown(() => server.close());
  const { room, offerer, answerer, sessionId } = await pair(t, server, 'retrying');
  await offerer.fake.signal.request('p2pReport', { sessionId, event: 'receiving' });
  await answerer.fake.signal.request('p2pReport', { sessionId, event: 'receiving' });
  await waitFor(() => room.mediaMode === 'p2p', { message: 'the pair to be on P2P' });
  await answerer.fake.signal.request('p2pReport', { sessionId, event: 'failed', reason: 'connection-lost' });
  await waitFor(() => offerer.got.p2pStop.length === 1, { message: 'p2pStop after the drop' });
  t.equal(room.mediaMode, 'sfu', 'the pair is back on the SFU');
  await offerer.fake.signal.request('p2pReport', { sessionId, event: 'released' });
  await answerer.fake.signal.request('p2pReport', { sessionId, event: 'released' });
  await waitFor(() => offerer.got.p2pStart.length === 2 && answerer.got.p2pStart.length === 2, { message: 'a new p2pStart after the retry delay' });
  t.not(offerer.got.p2pStart[1]!.sessionId, sessionId, 'a new session');
  t.same(
    [offerer.got.p2pStart[1]!.role, answerer.got.p2pStart[1]!.role],
    ['offerer', 'answerer'],
    'with the same roles (the lower peer id offers)',
  );
});

t.test('P2P_ENABLED=false: ready pairs stay on the SFU', async (t) => {
  const server = await startServer({ p2p: { ...P2P, enabled: false } });
  t.teardown(() => server.close());
  const a = await member(t, server, 'off', 'A');
  const b = await member(t, server, 'off', 'B');
  const room = roomOf(server, 'off');
  room.p2p.peerReady(a.id);
  room.p2p.peerReady(b.id);
  t.equal(room.p2p.phase, 'idle');
  t.equal(a.got.p2pStart.length + b.got.p2pStart.length, 0, 'nobody is told to start');
});

t.test('mute state is explicit: broadcast on change, in PeerInfo for late joiners, set at join', async (t) => {
  const server = await startServer({ p2p: P2P });
  t.teardown(() => server.close());
  const alice = await member(t, server, 'mute', 'Alice', { mic: true, camera: false });
  const bob = await member(t, server, 'mute', 'Bob');
  t.same(bob.fake.peersAtJoin[0]?.muted, { mic: true, camera: false }, 'Bob learns at join that Alice joined muted');
  await waitFor(() => alice.fake.notifications.peerJoined.length === 1, { message: 'peerJoined' });
  t.same(alice.fake.notifications.peerJoined[0]?.peer.muted, { mic: false, camera: false });

  await bob.fake.signal.request('setMuted', { source: 'camera', muted: true });
  await waitFor(() => alice.got.peerMuted.length === 1, { message: 'peerMuted to Alice' });
  t.same(alice.got.peerMuted[0], { peerId: bob.id, source: 'camera', muted: true });
  await bob.fake.signal.request('setMuted', { source: 'camera', muted: true });
  t.equal(bob.got.peerMuted.length, 0, 'nobody is told about themselves');
  await alice.fake.signal.request('setMuted', { source: 'mic', muted: false });
  await waitFor(() => bob.got.peerMuted.length === 1, { message: 'peerMuted to Bob' });

  const carol = await member(t, server, 'mute', 'Carol');
  const byName = Object.fromEntries(carol.fake.peersAtJoin.map((p) => [p.displayName, p.muted]));
  t.same(byName, { Alice: { mic: false, camera: false }, Bob: { mic: false, camera: true } }, 'a late joiner sees the current state');
  t.equal(alice.got.peerMuted.length, 1, 'repeating the same state broadcasts nothing');

  const raw = await RawSocket.open(server.wsUrl);
  t.teardown(() => raw.close());
  await raw.request('join', { roomId: 'mute', displayName: 'Raw' });
  const screen = await raw.request('setMuted', { source: 'screen', muted: true });
  t.equal(screen.error?.code, 'BAD_REQUEST', 'a screen share is stopped, not muted');
});
