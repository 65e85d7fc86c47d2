/**
 * Chat, raised hands and reactions: the messages and their limits. This file has no zod on purpose:
 * the browser imports its constants at run time (the schemas the server validates with are in
 * `chat-schema.ts`). PROTOCOL.md, section "Chat", says how the messages travel.
 */
import type { ErrorBody } from './envelope.js';

/** The label of every chat data channel: the SFU DataProducer/DataConsumer and the P2P RTCDataChannel. */
export const CHAT_LABEL = 'chat';

/** Longest chat text, in UTF-8 bytes (4 KiB). */
export const MAX_CHAT_TEXT_BYTES = 4096;

/**
 * Largest chat frame (one JSON message on a data channel) a receiver parses. Above the largest valid
 * message (4 KiB of text, escaped by JSON, plus the other fields) and far below SCTP's own limit.
 */
export const MAX_CHAT_FRAME_BYTES = 16 * 1024;

/** Client-generated message ids: 8-64 URL-safe characters (e.g. 16 random bytes in base64url). */
export const CHAT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** The reactions a client may send. A fixed set: anything else is refused, so tiles only ever show these. */
export const REACTIONS = ['👍', '👏', '❤️', '😂', '🎉', '😮'] as const;
export type Reaction = (typeof REACTIONS)[number];

export const CHAT_KINDS = ['chat', 'hand', 'reaction'] as const;
export type ChatKind = (typeof CHAT_KINDS)[number];

/**
 * C0/C1 control characters other than tab and newline, and the line/paragraph separators: they break
 * layouts and logs. Bidirectional overrides are allowed (Arabic and Hebrew need them); the UI isolates
 * every message so they cannot flip the name or time beside it.
 */
// eslint-disable-next-line no-control-regex
export const FORBIDDEN_CHAT_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

interface OutgoingBase {
  /** Chosen by the sender, unique per sender: the key receivers de-duplicate by (with the sender). */
  id: string;
  /**
   * The sender's own counter (1, 2, 3, ...): orders one sender's messages when copies arrive by two
   * paths (the server and the P2P channel) in a different order.
   */
  senderSeq: number;
}

/** What a client sends, on any path: a chat line, its hand going up or down, or a reaction. */
export type OutgoingChatMessage =
  | (OutgoingBase & { kind: 'chat'; text: string })
  | (OutgoingBase & { kind: 'hand'; raised: boolean })
  | (OutgoingBase & { kind: 'reaction'; emoji: Reaction });

interface Stamp {
  /** The room's running number, assigned by the server: a receiver that sees a gap asks for history. */
  seq: number;
  /** The sender's peer id, stamped by the server from the connection, never taken from the message. */
  sender: string;
  /** The sender's display name when the message was sent (history outlives the sender). */
  senderName: string;
  /** Server time, ms since the epoch. */
  timestamp: number;
}

/** A message as the server delivers it: the sender's message plus the server's stamp. */
export type ChatMessage = OutgoingChatMessage & Stamp;

/** The per-peer limits the server enforces; the client paces itself with them. */
export interface ChatLimits {
  maxTextBytes: number;
  /** Messages a peer may send at once... */
  burst: number;
  /** ...refilled at this many per second. */
  perSecond: number;
}

/** Everything a (late) joiner needs to catch up: recent chat lines and whose hand is up. */
export interface ChatSnapshot {
  /** Chat lines (not hands or reactions), oldest first; at most the configured history size. */
  messages: ChatMessage[];
  /** Peer ids whose hand is raised now. */
  raisedHands: string[];
  /** The highest `seq` given out so far in the room (0 before any message). */
  latestSeq: number;
  /**
   * Which numbering `seq` belongs to. It changes when the room's chat starts over on another server (a
   * cluster node died and the room moved): numbers from before mean nothing there.
   */
  logId: string;
  limits: ChatLimits;
}

/** Why the server refused one of this peer's messages. `id` is absent when the frame was unreadable. */
export interface ChatRejection extends ErrorBody {
  id?: string;
}

/** UTF-8 length of a string, without TextEncoder allocations for the common ASCII case. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
