/**
 * Hostile chat input, sent straight over a chat DataProducer (real SCTP) and over signaling: spoofed
 * senders, markup, oversized and malformed frames, floods. Each is refused with a clear error to its
 * sender, or passed on as plain text under the real sender's name; nobody else is disturbed.
 */
import t from 'tap';
import type { DataProducer } from 'mediasoup-client/types';
import { MAX_CHAT_FRAME_BYTES, MAX_CHAT_TEXT_BYTES } from '../../protocol/chat.js';
import { ChatPeer } from '../helpers/chat-peer.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const WAIT = { timeout: 90_000, interval: 50 };
let nextId = 0;
const id = () => `hostile-${(nextId++).toString().padStart(6, '0')}`;

t.test('over the data channel', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const mallory = await ChatPeer.join(server.wsUrl, 'hostile', 'Mallory', { link: false });
  const alice = await ChatPeer.join(server.wsUrl, 'hostile', 'Alice');
  t.teardown(() => [mallory, alice].forEach((peer) => peer.close()));
  await waitFor(() => alice.link?.isOpen, { ...WAIT, message: "Alice's chat link open" });
  const raw: DataProducer = await mallory.rawChannel();

  const refusals = () => mallory.received.chatRejected ?? [];
  async function refused(payload: string | ArrayBuffer, code: string, what: string): Promise<void> {
    const before = refusals().length;
    raw.send(payload);
    const rejection = await waitFor(() => refusals()[before], { ...WAIT, message: `a refusal for ${what}` });
    t.equal(rejection.code, code, `${what}: refused with ${code} (${rejection.message})`);
  }

  // Markup is text: it arrives verbatim, under Mallory's real name (the UI test shows it stays text).
  const markup = '<img src=x onerror=alert(1)> <script>alert(2)</script> [x](javascript:alert(3))';
  raw.send(JSON.stringify({ id: id(), senderSeq: 1, kind: 'chat', text: markup }));
  const shown = await waitFor(() => alice.chat.timeline.entries.find((entry) => entry.text === markup), { ...WAIT, message: 'the markup line' });
  t.equal(shown.sender, mallory.peerId, 'attributed to its real sender');
  t.equal(shown.senderName, 'Mallory', "with its real sender's name");

  // Claiming to be Alice, or carrying the server's fields, is refused outright, not "corrected".
  await refused(JSON.stringify({ id: id(), senderSeq: 2, kind: 'chat', text: 'I am Alice', sender: alice.peerId }), 'BAD_REQUEST', 'a spoofed sender');
  await refused(JSON.stringify({ id: id(), senderSeq: 3, kind: 'chat', text: 'x', senderName: 'Alice' }), 'BAD_REQUEST', 'a spoofed name');
  await refused(JSON.stringify({ id: id(), senderSeq: 4, kind: 'chat', text: 'x', seq: 1, timestamp: 0 }), 'BAD_REQUEST', 'server fields');
  await refused(JSON.stringify({ id: id(), senderSeq: 5, kind: 'chat', text: 'é'.repeat(MAX_CHAT_TEXT_BYTES / 2 + 1) }), 'TOO_LARGE', 'text over 4 KiB');
  await refused(JSON.stringify({ id: id(), senderSeq: 6, kind: 'chat', text: 'x'.repeat(MAX_CHAT_FRAME_BYTES) }), 'TOO_LARGE', 'a frame over 16 KiB');
  await refused('{"id":', 'BAD_REQUEST', 'broken JSON');
  await refused('[1,2,3]', 'BAD_REQUEST', 'an array');
  await refused(new Uint8Array([123, 125]).buffer, 'BAD_REQUEST', 'a binary frame');
  await refused(JSON.stringify({ id: id(), senderSeq: 7, kind: 'shout', text: 'x' }), 'BAD_REQUEST', 'an unknown kind');
  await refused(JSON.stringify({ id: id(), senderSeq: 8, kind: 'reaction', emoji: '<b>' }), 'BAD_REQUEST', 'a reaction outside the set');
  await refused(JSON.stringify({ id: id(), senderSeq: 9, kind: 'chat', text: 'bell\u0007 and \u202e' }), 'BAD_REQUEST', 'control characters');
  await refused(JSON.stringify({ id: id(), senderSeq: 10, kind: 'chat', text: '   \n ' }), 'BAD_REQUEST', 'blank text');
  await refused(JSON.stringify({ id: 'x', senderSeq: 11, kind: 'chat', text: 'short id' }), 'BAD_REQUEST', 'a malformed id');
  await refused(JSON.stringify({ id: id(), senderSeq: -1, kind: 'chat', text: 'x' }), 'BAD_REQUEST', 'a negative senderSeq');
  t.ok(refusals().every((rejection) => !rejection.message.includes('I am Alice')), 'refusals never echo the input');

  // The same id twice is one message; the repeat is answered to Mallory only.
  const repeated = JSON.stringify({ id: id(), senderSeq: 12, kind: 'chat', text: 'said twice' });
  const echoes = () => (mallory.received.chatMessage ?? []).filter((m) => m.kind === 'chat' && m.text === 'said twice').length;
  raw.send(repeated);
  await waitFor(() => echoes() === 1, { ...WAIT, message: 'the first copy reached Mallory (by signaling: no relay link)' });
  raw.send(repeated);
  await waitFor(() => echoes() === 2, { ...WAIT, message: 'the repeat is answered with the stamped original' });

  // After all that the channel still works, and Alice saw exactly the two good lines.
  raw.send(JSON.stringify({ id: id(), senderSeq: 13, kind: 'chat', text: 'still here' }));
  await waitFor(() => alice.chat.timeline.entries.some((entry) => entry.text === 'still here'), { ...WAIT, message: 'a good line after the bad ones' });
  t.same(
    alice.chat.timeline.entries.map((entry) => entry.text),
    [markup, 'said twice', 'still here'],
    'Alice saw only the accepted lines, each once',
  );
  t.same(alice.received.chatRejected ?? [], [], 'Alice got no refusals meant for Mallory');
});

t.test('rate limit: the sender is told, the others get exactly the accepted messages', async (t) => {
  const server = await startServer({ chatRateBurst: 5, chatRatePerSecond: 1 });
  t.teardown(() => server.close());
  const mallory = await ChatPeer.join(server.wsUrl, 'flood', 'Mallory', { link: false });
  const alice = await ChatPeer.join(server.wsUrl, 'flood', 'Alice');
  t.teardown(() => [mallory, alice].forEach((peer) => peer.close()));
  await waitFor(() => alice.link?.isOpen, { ...WAIT, message: "Alice's chat link open" });
  const raw = await mallory.rawChannel();

  for (let i = 0; i < 30; i++) raw.send(JSON.stringify({ id: id(), senderSeq: i + 1, kind: 'chat', text: `flood ${i}` }));
  await waitFor(() => (mallory.received.chatRejected ?? []).length >= 10, { ...WAIT, message: 'Mallory is told she is too fast' });
  t.ok((mallory.received.chatRejected ?? []).every((r) => r.code === 'RATE_LIMITED'), 'refused as RATE_LIMITED');
  const room = server.app.rooms.rooms.get('flood')!;
  const accepted = room.chat.snapshot().messages.map((m) => (m.kind === 'chat' ? m.text : ''));
  t.ok(accepted.length >= 5 && accepted.length <= 9, `the burst (5, plus slack for network jitter) went through: ${accepted.length}`);
  await waitFor(() => alice.chat.timeline.entries.length === accepted.length, { ...WAIT, message: 'Alice has the accepted lines' });
  t.same(alice.chat.timeline.entries.map((entry) => entry.text), accepted, 'Alice got exactly the accepted lines, in order');

  // The well-behaved client paces itself with the same limits and says so instead of sending.
  const results = Array.from({ length: 8 }, (_, i) => alice.chat.sendText(`alice ${i}`));
  t.same(results.filter((r) => !r.ok), [{ ok: false, problem: 'tooFast' }, { ok: false, problem: 'tooFast' }, { ok: false, problem: 'tooFast' }],
    'Alice\'s client refuses what the server would (5 of 8 sent)');

  // A client that keeps going past the limit loses its chat data channel.
  for (let i = 0; i < 150; i++) raw.send(JSON.stringify({ id: id(), senderSeq: 100 + i, kind: 'chat', text: `more ${i}` }));
  await waitFor(() => (mallory.received.chatRejected ?? []).some((r) => r.message.includes('channel was closed')), {
    ...WAIT,
    message: 'the flooding channel is closed',
  });
  t.pass('after 100 refusals in a minute the server closed the flooding DataProducer');
});

t.test('over signaling (sendChat)', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const mallory = await ChatPeer.join(server.wsUrl, 'hostile-signal', 'Mallory', { link: false });
  const alice = await ChatPeer.join(server.wsUrl, 'hostile-signal', 'Alice', { link: false });
  t.teardown(() => [mallory, alice].forEach((peer) => peer.close()));
  const send = (data: unknown) => mallory.signal.request('sendChat', data as never);

  await t.rejects(send({ id: id(), senderSeq: 1, kind: 'chat', text: 'hi', sender: alice.peerId }), { code: 'BAD_REQUEST' }, 'a spoofed sender');
  await t.rejects(send({ id: id(), senderSeq: 1, kind: 'chat', text: 'x'.repeat(MAX_CHAT_TEXT_BYTES + 1) }), { code: 'BAD_REQUEST' }, 'text over 4 KiB');
  const { message } = await mallory.signal.request('sendChat', { id: id(), senderSeq: 2, kind: 'chat', text: '<img src=x onerror=alert(1)>' });
  t.equal(message.sender, mallory.peerId, 'the answer is the stamped message, with the real sender');
  const repeat = await mallory.signal.request('sendChat', { id: message.id, senderSeq: 2, kind: 'chat', text: 'changed?' });
  t.same(repeat.message, message, 'a repeated id returns the original, unchanged');
  await waitFor(() => alice.chat.timeline.entries.length === 1, { ...WAIT, message: 'Alice gets the line by signaling' });
  t.equal(alice.chat.timeline.entries[0]?.text, '<img src=x onerror=alert(1)>');
  t.equal(alice.chat.timeline.entries[0]?.sender, mallory.peerId);
  await t.rejects(
    mallory.signal.request('produceData', { transportId: mallory.recvTransport!.id, sctpStreamParameters: { streamId: 1 }, label: 'chat' }),
    { code: 'INVALID_STATE' },
    'a chat producer on the receive transport is refused',
  );
  await t.rejects(
    mallory.signal.request('produceData', { transportId: 'not-mine', sctpStreamParameters: { streamId: 1 }, label: 'chat' }),
    { code: 'NOT_FOUND' },
    "another peer's (or no) transport is not found",
  );
  await t.rejects(
    mallory.signal.request('produceData', { transportId: mallory.sendTransport!.id, sctpStreamParameters: { streamId: 1 }, label: 'files' as 'chat' }),
    { code: 'BAD_REQUEST' },
    'only the chat label exists',
  );
});
