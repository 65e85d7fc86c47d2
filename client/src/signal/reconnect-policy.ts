/**
 * When the signaling client tries to get its session back, and how fast. A broken connection is worth
 * retrying; an end the server meant (leave, abuse, room closed, session taken over) is not.
 */
import { CLOSE_CODES } from '../../../protocol/errors.js';
import type { SignalError } from './signal-error.js';

/**
 * Closes that end the session for good. 1000 is never sent by the server (it uses its own codes), so a
 * 1000 came from something that ended the connection on purpose; 1008/1009: this client broke a rule.
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  1000,
  1008,
  1009,
  CLOSE_CODES.PROTOCOL_ERROR,
  CLOSE_CODES.LEFT,
  CLOSE_CODES.ROOM_CLOSED,
  CLOSE_CODES.SHUTDOWN,
  CLOSE_CODES.REPLACED,
  // A moderator or the operator took this participant out (issue 5): coming back is not for the client.
  CLOSE_CODES.REMOVED,
]);

export function mayReconnectAfter(closeCode: number): boolean {
  return !FINAL_CLOSE_CODES.has(closeCode);
}

/**
 * Answers to `resume` that no retry can change: the session is gone (grace period over, or the room
 * closed) or the request itself is refused. Timeouts, cut connections and server hiccups are retried.
 */
export function isFinalRefusal(error: SignalError): boolean {
  return ['NOT_FOUND', 'FORBIDDEN', 'BAD_REQUEST', 'ALREADY_JOINED', 'ROOM_FULL'].includes(error.code);
}

/** The first retry is immediate (a dropped socket on a working network comes straight back). */
const BACKOFF_MS = [0, 500, 1000, 2000, 4000];
const MAX_BACKOFF_MS = 5000;

/** Wait before attempt `attempt` (0-based), with ±20 % jitter so a server restart is not stormed. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = BACKOFF_MS[attempt] ?? MAX_BACKOFF_MS;
  return Math.round(base * (0.8 + 0.4 * random()));
}
