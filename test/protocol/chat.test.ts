/**
 * The two readers of a chat message agree: the server's zod schema (protocol/chat-schema.ts) and the
 * browser's zod-free check of frames from a P2P partner (client/src/chat/chat-wire.ts). A frame one
 * accepts and the other refuses would show a line to one person and not to the rest.
 */
import t from 'tap';
import { MAX_CHAT_TEXT_BYTES, REACTIONS, utf8Length } from '../../protocol/chat.js';
import { outgoingChatSchema } from '../../protocol/chat-schema.js';
import { readPeerFrame, readServerFrame, toOutgoing } from '../../client/src/chat/chat-wire.js';

const id = 'abcdEFGH1234-_';
const base = { id, senderSeq: 1 };

/** A test name that cannot break the TAP stream (U+2028 and friends are line breaks to some readers). */
function labelOf(message: unknown): string {
  return (JSON.stringify(message) ?? String(message))
    .slice(0, 80)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const accepted: unknown[] = [
  { ...base, kind: 'chat', text: 'hello' },
  { ...base, kind: 'chat', text: '多语言 👋🏽 עברית ‮ mixed\n\ttabs' },
  { ...base, kind: 'chat', text: '<img src=x onerror=alert(1)>' },
  { ...base, kind: 'chat', text: 'a'.repeat(MAX_CHAT_TEXT_BYTES) },
  { ...base, kind: 'chat', text: '€'.repeat(MAX_CHAT_TEXT_BYTES / 3 - 1) + 'a' },
  { ...base, kind: 'hand', raised: true },
  { ...base, kind: 'hand', raised: false },
  ...REACTIONS.map((emoji) => ({ ...base, kind: 'reaction', emoji })),
  { id: 'x'.repeat(64), senderSeq: Number.MAX_SAFE_INTEGER, kind: 'chat', text: 'max' },
];

const refused: unknown[] = [
  null,
  'text',
  42,
  [],
  {},
  { ...base, kind: 'chat' },
  { ...base, kind: 'chat', text: '' },
  { ...base, kind: 'chat', text: ' \n\t ' },
  { ...base, kind: 'chat', text: 'a'.repeat(MAX_CHAT_TEXT_BYTES + 1) },
  { ...base, kind: 'chat', text: '€'.repeat(MAX_CHAT_TEXT_BYTES / 3) + 'ab' },
  { ...base, kind: 'chat', text: 'bell \u0007' },
  { ...base, kind: 'chat', text: 'nul \u0000' },
  { ...base, kind: 'chat', text: 'line separator \u2028' },
  { ...base, kind: 'chat', text: 'c1 \u0085' },
  { ...base, kind: 'chat', text: 42 },
  { ...base, kind: 'chat', text: 'hi', sender: 'someone-else' },
  { ...base, kind: 'chat', text: 'hi', senderName: 'Alice' },
  { ...base, kind: 'chat', text: 'hi', seq: 3 },
  { ...base, kind: 'chat', text: 'hi', timestamp: 3 },
  { ...base, kind: 'chat', text: 'hi', raised: true },
  { ...base, kind: 'hand', raised: 'yes' },
  { ...base, kind: 'hand' },
  { ...base, kind: 'reaction', emoji: '💩' },
  { ...base, kind: 'reaction', emoji: '<b>' },
  { ...base, kind: 'reaction', emoji: '👍👍' },
  { ...base, kind: 'shout', text: 'hi' },
  { id: 'short', senderSeq: 1, kind: 'chat', text: 'hi' },
  { id: 'has space in it', senderSeq: 1, kind: 'chat', text: 'hi' },
  { id: 'x'.repeat(65), senderSeq: 1, kind: 'chat', text: 'hi' },
  { id: 12345678, senderSeq: 1, kind: 'chat', text: 'hi' },
  { id, senderSeq: 0, kind: 'chat', text: 'hi' },
  { id, senderSeq: 1.5, kind: 'chat', text: 'hi' },
  { id, senderSeq: -1, kind: 'chat', text: 'hi' },
  { id, senderSeq: '1', kind: 'chat', text: 'hi' },
  { id, kind: 'chat', text: 'hi' },
];

t.test('server schema and browser check accept the same messages', async (t) => {
  for (const message of accepted) {
    const label = labelOf(message);
    t.ok(outgoingChatSchema.safeParse(message).success, `server accepts ${label}`);
    t.same(readPeerFrame(JSON.stringify(message)), message, `browser accepts ${label}`);
  }
});

t.test('server schema and browser check refuse the same messages', async (t) => {
  for (const message of refused) {
    const label = labelOf(message);
    t.notOk(outgoingChatSchema.safeParse(message).success, `server refuses ${label}`);
    t.equal(typeof message === 'object' && message !== null ? toOutgoing(message as Record<string, unknown>) : readPeerFrame(JSON.stringify(message)), null, `browser refuses ${label}`);
  }
});

t.test('the browser refuses frames that are not text, not JSON or too large', async (t) => {
  t.equal(readPeerFrame(new ArrayBuffer(8)), null, 'binary');
  t.equal(readPeerFrame('{"id":'), null, 'broken JSON');
  t.equal(readPeerFrame(JSON.stringify({ ...base, kind: 'chat', text: 'x'.repeat(20_000) })), null, 'over the frame limit');
  t.equal(readServerFrame(JSON.stringify({ ...base, kind: 'chat', text: 'no stamp' })), null, 'a server frame without its stamp');
  const stamped = { ...base, kind: 'chat', text: 'ok', seq: 1, sender: 'p1', senderName: 'P', timestamp: 1 };
  t.same(readServerFrame(JSON.stringify(stamped)), stamped, 'a stamped server frame');
});

t.test('utf8Length counts like TextEncoder', async (t) => {
  for (const text of ['', 'abc', 'é', '€', '你好', '👋🏽', '\ud800 lone surrogate', 'x\udc00']) {
    t.equal(utf8Length(text), new TextEncoder().encode(text).length, JSON.stringify(text));
  }
});
