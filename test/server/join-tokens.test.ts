/**
 * Join tokens against a real server: refused with FORBIDDEN and a message naming why (missing,
 * expired, wrong room, forged, tampered, wrong algorithm), accepted when valid, and their identity,
 * name and grants are what the server uses. Grants are enforced on every request: a subscribe-only
 * token cannot send media, and only a moderator can mute or remove someone.
 */
import { createHmac } from 'node:crypto';
import t, { type Test } from 'tap';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { mintJoinToken, type MintOptions } from '../../server/auth/join-token.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'a-join-token-secret-of-at-least-32-characters';
const ROOM = 'board';

async function tokenServer(t: Test, auth: { allowOpenJoin?: boolean } = {}): Promise<TestServer> {
  const server = await startServer({ auth: { joinTokenSecret: SECRET, allowOpenJoin: auth.allowOpenJoin ?? false } });
  t.teardown(() => server.close());
  return server;
}

function token(options: Partial<MintOptions> = {}, secret = SECRET, now?: number): Promise<string> {
  return mintJoinToken(secret, { room: ROOM, identity: 'user-1', ttlSeconds: 600, ...options }, now).then((minted) => minted.token);
}

/** Joins with a raw socket (so nothing client-side second-guesses the token); returns the response. */
async function rawJoin(t: Test, server: TestServer, data: Record<string, unknown>) {
  const socket = await RawSocket.open(server.wsUrl);
  t.teardown(() => socket.close());
  return { socket, response: await socket.request('join', { roomId: ROOM, displayName: 'Client Says', ...data }) };
}

async function refused(t: Test, server: TestServer, data: Record<string, unknown>, pattern: RegExp, what: string) {
  const { response } = await rawJoin(t, server, data);
  t.equal(response.ok, false, `${what}: refused`);
  t.equal(response.error?.code, 'FORBIDDEN', `${what}: FORBIDDEN`);
  t.match(response.error?.message, pattern, `${what}: the message says why ("${response.error?.message}")`);
}

/** A JWT with `payload` and the given header, signed with HS256 by hand (to forge what jose would not make). */
function handMadeJwt(header: object, payload: object, secret: string | null): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(payload)}`;
  const signature = secret === null ? '' : createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

t.test('tokens are refused with FORBIDDEN and the reason', async (t) => {
  const server = await tokenServer(t);
  await refused(t, server, {}, /token is required/, 'no token');
  await refused(t, server, { token: await token({}, SECRET, Date.now() - 3_600_000) }, /expired/, 'expired');
  await refused(t, server, { token: await token({ room: 'elsewhere' }) }, /another room/, 'wrong room');
  await refused(t, server, { token: await token({}, 'another-secret-that-is-also-32-chars-long!') }, /signature is invalid/, 'forged');

  // Taking a valid token and changing its room keeps the old signature: it no longer matches.
  const [header, payload, signature] = (await token({ room: 'elsewhere' })).split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, room: ROOM })).toString('base64url')}.${signature}`;
  await refused(t, server, { token: tampered }, /signature is invalid/, 'tampered room');

  const now = Math.floor(Date.now() / 1000);
  const claimsOk = { room: ROOM, sub: 'user-1', aud: 'shouwang', exp: now + 600 };
  await refused(t, server, { token: handMadeJwt({ alg: 'none', typ: 'JWT' }, claimsOk, null) }, /malformed|HS256/, 'alg none');
  await refused(t, server, { token: handMadeJwt({ alg: 'HS256' }, { ...claimsOk, aud: 'other' }, SECRET) }, /audience/, 'wrong audience');
  const { exp: _exp, ...noExpiry } = claimsOk;
  await refused(t, server, { token: handMadeJwt({ alg: 'HS256' }, noExpiry, SECRET) }, /"exp" is missing/, 'no expiry');
  await refused(
    t,
    server,
    { token: handMadeJwt({ alg: 'HS256' }, { ...claimsOk, grants: { moderate: 'yes' } }, SECRET) },
    /claims are invalid/,
    'grants of the wrong type',
  );

  const { response } = await rawJoin(t, server, { token: 'not-a-jwt' });
  t.equal(response.error?.code, 'BAD_REQUEST', 'something that is not a JWT is a malformed request');
  t.equal(server.app.rooms.rooms.size, 0, 'no refused join left a room behind');
});

t.test("a valid token's name and grants are what everyone sees; the client's name does not win", async (t) => {
  const server = await tokenServer(t);
  const { response } = await rawJoin(t, server, { token: await token({ name: 'Dr. Ada', grants: { moderate: true } }) });
  t.equal(response.ok, true, 'joined');
  const data = response.data as { grants: Record<string, boolean>; peerId: string };
  t.same(data.grants, { publish: true, subscribe: true, chat: true, moderate: true }, 'grants from the token, defaults filled in');
  const peer = server.app.rooms.rooms.get(ROOM)?.peers.get(data.peerId);
  t.equal(peer?.displayName, 'Dr. Ada', "the token's name, not the client's");
  t.equal(peer?.identity, 'user-1', "the token's identity");

  const bob = await FakePeer.join(server.wsUrl, ROOM, 'Bob', { token: await token({ identity: 'user-2' }), media: false });
  t.teardown(() => bob.close());
  const seen = bob.peersAtJoin.find((info) => info.id === data.peerId);
  t.equal(seen?.displayName, 'Dr. Ada', 'others see the name from the token');
  t.equal(seen?.moderator, true, 'and that she moderates');
  t.equal(bob.joined.grants.moderate, false, 'a token without the grant does not moderate');
});

t.test('a subscribe-only token receives but cannot send', async (t) => {
  const server = await tokenServer(t);
  const speaker = await FakePeer.join(server.wsUrl, ROOM, 'Speaker', { token: await token({ identity: 'speaker' }) });
  t.teardown(() => speaker.close());
  await speaker.produce('camera');
  const viewer = await FakePeer.join(server.wsUrl, ROOM, 'Viewer', {
    token: await token({ identity: 'viewer', grants: { publish: false, chat: false } }),
  });
  t.teardown(() => viewer.close());
  t.same(viewer.joined.grants, { publish: false, subscribe: true, chat: false, moderate: false }, 'grants as minted');
  await waitFor(() => viewer.consumersFrom(speaker.peerId).length === 1, { message: "the viewer consumes the speaker's camera" });

  // Its send transport exists (it carries the chat data channel), but nothing may be produced on it.
  const produce = await viewer.signal
    .request('produce', {
      transportId: viewer.sendTransport?.id ?? 'x',
      kind: 'audio',
      source: 'mic',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }] },
    })
    .then(() => null, (error: { code: string; message: string }) => error);
  t.equal(produce?.code, 'FORBIDDEN', 'produce is refused');
  t.match(produce?.message, /"publish" grant/, 'the message names the grant');
  await t.rejects(viewer.produce('camera'), /"publish" grant/, "the client's own produce fails the same way");
  const serverViewer = server.app.rooms.rooms.get(ROOM)?.peers.get(viewer.peerId);
  t.equal(serverViewer?.producers.size, 0, 'the server holds no producer of the viewer');
  t.equal(speaker.consumersFrom(viewer.peerId).length, 0, 'and the speaker receives nothing from it');

  const chat = await viewer.signal
    .request('sendChat', { kind: 'chat', id: 'msg-00000001', senderSeq: 1, text: 'hello' })
    .then(() => null, (error: { code: string }) => error);
  t.equal(chat?.code, 'FORBIDDEN', 'a token without `chat` cannot post a chat line');
  const hand = await viewer.signal.request('sendChat', { kind: 'hand', id: 'msg-00000002', senderSeq: 2, raised: true });
  t.equal(hand.message.kind, 'hand', 'but can raise a hand');
});

t.test('a publish-only token sends but is sent nothing', async (t) => {
  const server = await tokenServer(t);
  const listener = await FakePeer.join(server.wsUrl, ROOM, 'Listener', { token: await token({ identity: 'listener' }) });
  t.teardown(() => listener.close());
  await listener.produce('mic');
  const bot = await FakePeer.join(server.wsUrl, ROOM, 'Recorder', {
    token: await token({ identity: 'bot', grants: { subscribe: false } }),
  });
  t.teardown(() => bot.close());
  await bot.produce('camera');
  await waitFor(() => listener.consumersFrom(bot.peerId).length === 1, { message: "the listener receives the bot's camera" });
  const serverBot = server.app.rooms.rooms.get(ROOM)?.peers.get(bot.peerId);
  t.equal(serverBot?.consumers.size, 0, "the server made no consumer for the bot (not even of the listener's mic)");
  t.equal(bot.consumers.size, 0, 'and the bot was offered none');
});

t.test('only moderators mute and remove; the removed client is told why', async (t) => {
  const server = await tokenServer(t);
  const host = await FakePeer.join(server.wsUrl, ROOM, 'Host', { token: await token({ identity: 'host', grants: { moderate: true } }) });
  const guest = await FakePeer.join(server.wsUrl, ROOM, 'Guest', { token: await token({ identity: 'guest' }) });
  const other = await FakePeer.join(server.wsUrl, ROOM, 'Other', { token: await token({ identity: 'other' }) });
  t.teardown(() => [host, guest, other].forEach((peer) => peer.close()));
  await guest.produce('mic');
  await waitFor(() => other.consumersFrom(guest.peerId).length === 1, { message: "Other consumes Guest's mic" });

  for (const [method, data] of [
    ['removePeer', { peerId: other.peerId }],
    ['mutePeer', { peerId: other.peerId, source: 'mic' }],
    ['setRoomAccess', { access: 'locked' }],
  ] as const) {
    const error = await guest.signal.request(method, data as never).then(() => null, (e: { code: string; message: string }) => e);
    t.equal(error?.code, 'FORBIDDEN', `a guest cannot ${method}`);
    t.match(error?.message, /"moderate" grant/, `${method}: the message names the grant`);
  }
  t.equal(server.app.rooms.rooms.get(ROOM)?.peers.size, 3, 'nobody was removed');

  const muted = await host.signal.request('mutePeer', { peerId: guest.peerId, source: 'mic' });
  t.equal(muted.mutedProducerIds.length, 1, 'the host muted the guest');
  await waitFor(() => guest.notifications.mutedByModerator.length === 1, { message: 'the guest is told' });
  t.same(guest.notifications.mutedByModerator[0], { source: 'mic', by: { peerId: host.peerId, displayName: 'Host' } }, 'by whom');
  const producer = server.app.rooms.rooms.get(ROOM)?.peers.get(guest.peerId)?.producers.values().next().value;
  t.equal(producer?.paused, true, 'the server paused the producer');
  await waitFor(() => other.notifications.consumerPaused.length === 1, { message: 'the others see it paused' });
  await waitFor(() => other.notifications.peerMuted.some((m) => m.peerId === guest.peerId && m.muted), {
    message: 'and the mute state',
  });

  const closed = new Promise<{ code: number; reason: string }>((resolve) => guest.signal.onClose(resolve));
  await host.signal.request('removePeer', { peerId: guest.peerId });
  const event = await closed;
  t.equal(event.code, CLOSE_CODES.REMOVED, 'the removed client is closed with REMOVED');
  t.match(event.reason, /removed .*by Host/, 'and told by whom');
  await waitFor(() => other.notifications.peerLeft.some((left) => left.peerId === guest.peerId), { message: 'the others see them leave' });
  t.notOk(server.app.rooms.rooms.get(ROOM)?.peers.has(guest.peerId), 'gone from the room');

  const self = await host.signal.request('removePeer', { peerId: host.peerId }).then(() => null, (e: { code: string }) => e);
  t.equal(self?.code, 'BAD_REQUEST', 'a moderator cannot remove themselves');
  const nobody = await host.signal.request('removePeer', { peerId: 'nobody' }).then(() => null, (e: { code: string }) => e);
  t.equal(nobody?.code, 'NOT_FOUND', 'removing nobody is NOT_FOUND');
});

t.test('open joins next to tokens, and tokens on a server without a secret', async (t) => {
  const both = await tokenServer(t, { allowOpenJoin: true });
  const guest = await FakePeer.join(both.wsUrl, ROOM, 'Walk-in', { media: false });
  t.teardown(() => guest.close());
  t.equal(guest.joined.grants.moderate, false, 'with a secret, nobody is made moderator by arriving first');
  t.equal(guest.joined.grants.publish, true, 'an open join may send');

  const open = await startServer();
  t.teardown(() => open.close());
  const { response } = await rawJoin(t, open, { token: await token() });
  t.equal(response.error?.code, 'FORBIDDEN', 'a token sent to a server without JOIN_TOKEN_SECRET is refused');
  t.match(response.error?.message, /does not accept join tokens/, 'and says so');
});
