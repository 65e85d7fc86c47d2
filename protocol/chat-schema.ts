/**
 * The runtime schema of what a client sends on chat paths (its data channel, the `sendChat` request).
 * The server parses every chat frame with it before stamping or forwarding anything. The browser
 * checks P2P frames with its own zod-free twin (client/src/chat/chat-wire.ts); a protocol test feeds
 * both the same inputs.
 */
import { z } from 'zod';
import {
  CHAT_ID_PATTERN,
  FORBIDDEN_CHAT_CHARACTERS,
  MAX_CHAT_TEXT_BYTES,
  REACTIONS,
  utf8Length,
  type OutgoingChatMessage,
} from './chat.js';

const base = {
  id: z.string().regex(CHAT_ID_PATTERN, 'id must be 8-64 letters, digits, "-" or "_"'),
  senderSeq: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
};

/** Chat text: not blank, at most MAX_CHAT_TEXT_BYTES of UTF-8, no control characters but tab and newline. */
export const chatTextSchema = z
  .string()
  .refine((text) => text.trim().length > 0, 'text is empty')
  .refine((text) => utf8Length(text) <= MAX_CHAT_TEXT_BYTES, `text is longer than ${MAX_CHAT_TEXT_BYTES} bytes`)
  .refine((text) => !FORBIDDEN_CHAT_CHARACTERS.test(text), 'text has control characters');

/**
 * One outgoing message. Strict: a `sender`, `seq` or `timestamp` field is refused rather than
 * ignored, so a client trying to speak as someone else gets told, not silently corrected.
 */
export const outgoingChatSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...base, kind: z.literal('chat'), text: chatTextSchema }),
  z.strictObject({ ...base, kind: z.literal('hand'), raised: z.boolean() }),
  z.strictObject({ ...base, kind: z.literal('reaction'), emoji: z.enum(REACTIONS) }),
]) satisfies z.ZodType<OutgoingChatMessage>;
