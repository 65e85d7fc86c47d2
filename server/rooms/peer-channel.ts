/**
 * How a Peer talks to its client, without knowing about sockets. The signaling connection implements
 * it; tests can implement it too.
 */
import type { CloseCode } from '../../protocol/errors.js';
import type {
  ServerNotificationMethod,
  ServerNotifications,
  ServerRequestMethod,
  ServerRequests,
} from '../../protocol/server-messages.js';

export interface PeerChannel {
  notify<M extends ServerNotificationMethod>(method: M, data: ServerNotifications[M]): void;
  request<M extends ServerRequestMethod>(method: M, data: ServerRequests[M]['data']): Promise<ServerRequests[M]['response']>;
  close(code: CloseCode, reason: string): void;
}
