/**
 * Reading one frame from a client's chat DataProducer: size first, then JSON, then the schema. Nothing
 * in a frame is used before it passed all three; a refusal says what was wrong without echoing input.
 */
import { CHAT_ID_PATTERN, MAX_CHAT_FRAME_BYTES, type ChatRejection, type OutgoingChatMessage } from '../../protocol/chat.js';
import { outgoingChatSchema } from '../../protocol/chat-schema.js';
import { summarize } from '../signaling/connection.js';

/** SCTP payload protocol id of a WebRTC string message (RFC 8831); binary frames are not chat. */
const PPID_STRING = 51;

export type ChatFrame = { ok: true; message: OutgoingChatMessage } | { ok: false; rejection: ChatRejection };

export function readChatFrame(payload: Buffer, ppid: number): ChatFrame {
  if (payload.byteLength > MAX_CHAT_FRAME_BYTES) {
    return refuse('TOO_LARGE', `chat message is ${payload.byteLength} bytes; the limit is ${MAX_CHAT_FRAME_BYTES}`);
  }
  if (ppid !== PPID_STRING) return refuse('BAD_REQUEST', 'chat messages are text frames');
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return refuse('BAD_REQUEST', 'chat message is not valid JSON');
  }
  const parsed = outgoingChatSchema.safeParse(json);
  if (!parsed.success) {
    // Oversized text is its own error: the sender's UI says "too long", not "malformed".
    const tooLong = parsed.error.issues.some((issue) => issue.message.startsWith('text is longer'));
    return refuse(tooLong ? 'TOO_LARGE' : 'BAD_REQUEST', `invalid chat message: ${summarize(parsed.error.issues)}`, idOf(json));
  }
  return { ok: true, message: parsed.data };
}

function refuse(code: ChatRejection['code'], message: string, id?: string): ChatFrame {
  return { ok: false, rejection: id === undefined ? { code, message } : { id, code, message } };
}

/** The id of a frame that failed validation, when it has a well-formed one: the sender can match the error. */
function idOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('id' in json)) return undefined;
  const id = (json as { id: unknown }).id;
  return typeof id === 'string' && CHAT_ID_PATTERN.test(id) ? id : undefined;
}
