/**
 * Error codes carried by a failed response (`{ ok: false, error: { code, message } }`) and close codes
 * used when the server ends a connection because of a protocol error.
 */

export const ERROR_CODES = [
  /** The message is not valid JSON or does not match the schema of its method. */
  'BAD_REQUEST',
  /** The message is larger than MAX_MESSAGE_BYTES. */
  'TOO_LARGE',
  /** The connection sends faster than its rate limit allows. */
  'RATE_LIMITED',
  /** The method needs a joined peer and this connection has not joined yet. */
  'NOT_JOINED',
  /** `join` was sent twice on one connection. */
  'ALREADY_JOINED',
  /** The transport, producer or consumer id does not name one of this peer's objects. */
  'NOT_FOUND',
  /** The peer may not do this (missing grant, locked room, bad token). */
  'FORBIDDEN',
  /** The room has a lobby: `knock`, and `join` once a moderator admits you. */
  'LOBBY',
  /** The room is at its participant limit. */
  'ROOM_FULL',
  /** The request is well formed but cannot be done in the current state (e.g. produce before connect). */
  'INVALID_STATE',
  /** The request did not get a response in time. Raised locally by the requester, never sent. */
  'TIMEOUT',
  /** Something failed on the server; the message is safe to show but carries no internals. */
  'INTERNAL',
  /**
   * Another node of the cluster serves this room (or this session): open a socket to the error's
   * `redirect` URL and send the same request there. Only `join` and `resume` answer with it.
   */
  'MOVED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** WebSocket close codes the server uses (4000-4999 is the application range). */
export const CLOSE_CODES = {
  /** A message broke the protocol badly enough that the connection cannot continue. */
  PROTOCOL_ERROR: 4000,
  /** The peer sent no message (not even a pong) for too long. */
  HEARTBEAT_TIMEOUT: 4001,
  /** The peer left the room (explicit `leave`); nothing is wrong. */
  LEFT: 4002,
  /** The room was closed by the server or an operator. */
  ROOM_CLOSED: 4003,
  /** The server is shutting down. */
  SHUTDOWN: 4004,
  /** Too many connections from one address. */
  TOO_MANY_CONNECTIONS: 4005,
  /** The session was resumed on a newer connection; this one is no longer used. Do not reconnect. */
  REPLACED: 4006,
  /**
   * Sent by a client that gave up on a socket that went silent and is reconnecting: the server keeps
   * its peer for `resume`, as it does when a connection breaks.
   */
  RECONNECTING: 4007,
  /** A moderator or the operator removed this participant (the reason says who). Do not reconnect. */
  REMOVED: 4008,
  /**
   * Cluster only: this node is shutting down and its sessions move to another node. Reconnect and
   * `resume` as after a break (the answer is `MOVED` to the node that takes the session over).
   */
  MOVING: 4009,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
