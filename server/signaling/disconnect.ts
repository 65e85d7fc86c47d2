/**
 * What a closed socket means for its peer: a connection that broke (network change, sleeping laptop,
 * silent socket) keeps the peer for `resume` during the grace period; an intended end (leave, tab
 * closed, abuse) takes it out of the room at once.
 */
import { CLOSE_CODES } from '../../protocol/errors.js';
import type { Session } from './session.js';

/** 1006: closed without a closing handshake, i.e. the connection broke. */
const RESUMABLE_CLOSE_CODES: ReadonlySet<number> = new Set([1006, CLOSE_CODES.HEARTBEAT_TIMEOUT, CLOSE_CODES.RECONNECTING]);

export function onSocketClosed(session: Session, code: number, reason: string): void {
  const { peer, room, connection } = session;
  session.peer = undefined;
  session.room = undefined;
  // Resumed on a newer socket meanwhile: this one no longer speaks for the peer.
  if (!peer || !room || peer.channel !== connection) return;
  const why = `socket closed (${code}${reason ? ` ${reason}` : ''})`;
  const graceMs = session.config.resumeGraceMs;
  if (graceMs > 0 && RESUMABLE_CLOSE_CODES.has(code)) room.suspend(peer, graceMs, why);
  else void room.leave(peer, why);
}
