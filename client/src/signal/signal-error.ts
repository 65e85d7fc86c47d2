import type { ErrorCode } from '../../../protocol/errors.js';

/**
 * Codes a request can fail with: the server's codes plus one the client raises itself when the socket
 * goes away before the answer arrives (like TIMEOUT, it never travels on the wire).
 */
export type SignalErrorCode = ErrorCode | 'CONNECTION_CLOSED';

/** A request that failed: rejected by the server, timed out, or cut off by a closed socket. */
export class SignalError extends Error {
  readonly code: SignalErrorCode;
  /** With MOVED: the signaling URL of the cluster node to send the request to instead. */
  readonly redirect: string | undefined;

  constructor(code: SignalErrorCode, message: string, redirect?: string) {
    super(message);
    this.name = 'SignalError';
    this.code = code;
    this.redirect = redirect;
  }
}

/** How a socket ended, as seen by the client. */
export interface SignalCloseEvent {
  code: number;
  reason: string;
  /** True when this side called `close()`; false when the server or the network ended it. */
  byClient: boolean;
  /** The socket broke and getting the session back failed (grace period over, or the server refused). */
  reconnectFailed: boolean;
}
