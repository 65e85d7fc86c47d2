/**
 * Light shape checks for what the server sends. The server is trusted (it validates everything it
 * receives), so this only guards against a broken frame taking the client down, not against lies.
 */
import { ERROR_CODES, type ErrorCode } from '../../../protocol/errors.js';
import type { ErrorBody } from '../../../protocol/envelope.js';

export type ServerMessage =
  | { kind: 'request'; id: number; method: string; data: unknown }
  | { kind: 'notification'; method: string; data: unknown }
  | { kind: 'response'; id: number; ok: true; data: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorBody };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Parses one text frame; null when it is not a message of the protocol. */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const { kind, id, method, data } = value;
  if (kind === 'notification' && typeof method === 'string') return { kind, method, data };
  if (typeof id !== 'number') return null;
  if (kind === 'request' && typeof method === 'string') return { kind, id, method, data };
  if (kind !== 'response') return null;
  if (value.ok === true) return { kind, id, ok: true, data };
  const error = value.error;
  if (value.ok === false && isRecord(error) && typeof error.message === 'string') {
    // An unknown code from a newer server still fails the request, just less precisely.
    const code = isErrorCode(error.code) ? error.code : 'INTERNAL';
    const redirect = typeof error.redirect === 'string' && /^wss?:\/\//.test(error.redirect) ? { redirect: error.redirect } : {};
    return { kind, id, ok: false, error: { code, message: error.message, ...redirect } };
  }
  return null;
}
