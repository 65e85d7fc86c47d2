/** Turning failures into sentences for the screen. The server's messages are safe to show as they are. */
import { CLOSE_CODES } from '../../../protocol/errors.js';
import { SignalError, type SignalCloseEvent } from '../signal/signal-error.js';

export function describeJoinError(error: unknown): string {
  if (error instanceof SignalError) {
    switch (error.code) {
      case 'ROOM_FULL':
        return 'This meeting is full. Try again when someone has left.';
      case 'FORBIDDEN':
        return `You may not join this meeting. ${error.message}`;
      case 'BAD_REQUEST':
        return `The server refused to join: ${error.message}`;
      case 'TIMEOUT':
        return 'The server did not answer in time. Please try again.';
      case 'CONNECTION_CLOSED':
        return `Could not connect to the server. ${error.message}`;
      default:
        return `Could not join the meeting: ${error.message}`;
    }
  }
  // mediasoup-client's Device throws UnsupportedError in browsers it has no handler for.
  if (error instanceof Error && error.name === 'UnsupportedError') {
    return 'This browser does not support video calls. Please use a recent Chrome, Edge, Firefox or Safari.';
  }
  return `Could not join the meeting: ${error instanceof Error ? error.message : String(error)}`;
}

export function describeDisconnect(event: SignalCloseEvent): string {
  switch (event.code) {
    case CLOSE_CODES.ROOM_CLOSED:
      return 'The meeting was closed on the server (for example, its media process restarted). Rejoin to continue.';
    case CLOSE_CODES.SHUTDOWN:
      return 'The server is restarting.';
    case CLOSE_CODES.HEARTBEAT_TIMEOUT:
      return 'The connection timed out.';
    case CLOSE_CODES.PROTOCOL_ERROR:
      return `The server ended the connection${event.reason ? `: ${event.reason}` : '.'}`;
    default:
      return event.reason ? `The connection was lost: ${event.reason}` : 'The connection to the server was lost.';
  }
}
