/**
 * Turning failures into sentences for the screen, as messages that follow the UI language. The
 * server's own text is safe to show as it is: it goes in as a parameter.
 */
import { CLOSE_CODES } from '../../../protocol/errors.js';
import { message, type Message } from '../i18n/index.js';
import { SignalError, type SignalCloseEvent } from '../signal/signal-error.js';
import { LobbyDeniedError } from './lobby.js';

export function describeJoinError(error: unknown): Message {
  if (error instanceof LobbyDeniedError) {
    return error.reason ? message('lobby.denied.withReason', { reason: error.reason }) : message('lobby.denied');
  }
  if (error instanceof SignalError) {
    switch (error.code) {
      case 'ROOM_FULL':
        return message('join.error.full');
      case 'FORBIDDEN':
        return message('join.error.forbidden', { detail: error.message });
      case 'BAD_REQUEST':
        return message('join.error.badRequest', { detail: error.message });
      case 'TIMEOUT':
        return message('join.error.timeout');
      case 'CONNECTION_CLOSED':
        // The close code and reason are for the console (join() logs the error), not for the person.
        return message('join.error.connection');
      default:
        return message('join.error.other', { detail: error.message });
    }
  }
  // mediasoup-client's Device throws UnsupportedError in browsers it has no handler for.
  if (error instanceof Error && error.name === 'UnsupportedError') {
    return message('join.error.unsupportedBrowser');
  }
  return message('join.error.other', { detail: error instanceof Error ? error.message : String(error) });
}

export function describeDisconnect(event: SignalCloseEvent): Message {
  // The socket broke, and getting the session back failed: that, not the break, is the news.
  if (event.reconnectFailed) return message('disconnect.resumeFailed');
  switch (event.code) {
    case CLOSE_CODES.REPLACED:
      return message('disconnect.replaced');
    case CLOSE_CODES.REMOVED:
      // The server's reason says by whom ("removed from the meeting by Ada").
      return message('disconnect.removed', { reason: event.reason });
    case CLOSE_CODES.ROOM_CLOSED:
      // An operator ending the meeting (HTTP API) says so in the reason.
      return event.reason ? message('disconnect.roomClosedWithReason', { reason: event.reason }) : message('disconnect.roomClosed');
    case CLOSE_CODES.SHUTDOWN:
      return message('disconnect.shutdown');
    case CLOSE_CODES.HEARTBEAT_TIMEOUT:
      return message('disconnect.heartbeat');
    case CLOSE_CODES.PROTOCOL_ERROR:
      return event.reason
        ? message('disconnect.protocol', { reason: event.reason })
        : message('disconnect.protocolNoReason');
    default:
      return event.reason ? message('disconnect.lostWithReason', { reason: event.reason }) : message('disconnect.lost');
  }
}
