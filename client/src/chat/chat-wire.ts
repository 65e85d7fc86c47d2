/**
 * Checks on chat frames in the browser, without zod (it stays out of the bundle). Frames from the
 * other browser of a P2P call get the same checks the server makes (protocol/chat-schema.ts; a
 * protocol test feeds both the same inputs); frames from the server are trusted and only guarded
 * against a broken frame taking the page down.
 */
import {
  CHAT_ID_PATTERN,
  FORBIDDEN_CHAT_CHARACTERS,
  MAX_CHAT_FRAME_BYTES,
  MAX_CHAT_TEXT_BYTES,
  REACTIONS,
  utf8Length,
  type ChatMessage,
  type OutgoingChatMessage,
} from '../../../protocol/chat.js';

type Fields = Record<string, unknown>;

function parseObject(data: unknown): Fields | null {
  // Frames are text; a binary frame is not chat. Length in code units bounds the bytes by 3x at most.
  if (typeof data !== 'string' || data.length > MAX_CHAT_FRAME_BYTES || utf8Length(data) > MAX_CHAT_FRAME_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

function hasOnly(fields: Fields, allowed: readonly string[]): boolean {
  return Object.keys(fields).every((key) => allowed.includes(key));
}

/** Whether `text` is a chat line the server would take. */
export function isValidChatText(text: unknown): text is string {
  return (
    typeof text === 'string' &&
    text.trim().length > 0 &&
    utf8Length(text) <= MAX_CHAT_TEXT_BYTES &&
    !FORBIDDEN_CHAT_CHARACTERS.test(text)
  );
}

/** The sender's part of a message, if `fields` is exactly one; null otherwise. Strict like the server. */
export function toOutgoing(fields: Fields): OutgoingChatMessage | null {
  const { id, senderSeq, kind } = fields;
  if (typeof id !== 'string' || !CHAT_ID_PATTERN.test(id)) return null;
  if (typeof senderSeq !== 'number' || !Number.isSafeInteger(senderSeq) || senderSeq < 1) return null;
  switch (kind) {
    case 'chat':
      return hasOnly(fields, ['id', 'senderSeq', 'kind', 'text']) && isValidChatText(fields.text)
        ? { id, senderSeq, kind, text: fields.text }
        : null;
    case 'hand':
      return hasOnly(fields, ['id', 'senderSeq', 'kind', 'raised']) && typeof fields.raised === 'boolean'
        ? { id, senderSeq, kind, raised: fields.raised }
        : null;
    case 'reaction': {
      const emoji = REACTIONS.find((reaction) => reaction === fields.emoji);
      return hasOnly(fields, ['id', 'senderSeq', 'kind', 'emoji']) && emoji ? { id, senderSeq, kind, emoji } : null;
    }
    default:
      return null;
  }
}

/** A frame from the other browser of a P2P call: a message as its sender sends it, or null. */
export function readPeerFrame(data: unknown): OutgoingChatMessage | null {
  const fields = parseObject(data);
  return fields ? toOutgoing(fields) : null;
}

/** A stamped message from the server (relay frame or `chatMessage` notification), or null if broken. */
export function toStamped(value: unknown): ChatMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { seq, sender, senderName, timestamp, ...rest } = value as Fields;
  if (typeof seq !== 'number' || typeof sender !== 'string' || typeof senderName !== 'string' || typeof timestamp !== 'number') {
    return null;
  }
  const outgoing = toOutgoing(rest);
  return outgoing ? { ...outgoing, seq, sender, senderName, timestamp } : null;
}

export function readServerFrame(data: unknown): ChatMessage | null {
  return toStamped(parseObject(data));
}
