/**
 * The two kinds of failure in signaling, mapped in one place:
 * - RequestError rejects one request; the socket and the room carry on.
 * - ProtocolError means the connection cannot continue; the socket is closed with a 4xxx code.
 */
import type { ErrorBody } from '../../protocol/envelope.js';
import type { CloseCode, ErrorCode } from '../../protocol/errors.js';
import { CLOSE_CODES } from '../../protocol/errors.js';

export class RequestError extends Error {
  readonly code: ErrorCode;
  /** With MOVED: the node the client must ask instead (server/cluster/). */
  readonly redirect: string | undefined;

  constructor(code: ErrorCode, message: string, redirect?: string) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.redirect = redirect;
  }
}

export class ProtocolError extends Error {
  readonly closeCode: CloseCode;

  constructor(message: string, closeCode: CloseCode = CLOSE_CODES.PROTOCOL_ERROR) {
    super(message);
    this.name = 'ProtocolError';
    this.closeCode = closeCode;
  }
}

/**
 * What a failed request tells the client. mediasoup's TypeErrors describe bad parameters the client
 * sent, so they pass through as BAD_REQUEST; anything else is our fault and is reported without
 * internals (the caller logs the original).
 */
export function toErrorBody(error: unknown): { body: ErrorBody; internal: boolean } {
  if (error instanceof RequestError) {
    const redirect = error.redirect === undefined ? {} : { redirect: error.redirect };
    return { body: { code: error.code, message: error.message, ...redirect }, internal: false };
  }
  if (error instanceof TypeError || (error instanceof Error && error.name === 'UnsupportedError')) {
    return { body: { code: 'BAD_REQUEST', message: error.message.slice(0, 300) }, internal: false };
  }
  return { body: { code: 'INTERNAL', message: 'internal server error' }, internal: true };
}
