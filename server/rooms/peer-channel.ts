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

/** Where a detached peer's messages go while its client is away: nowhere (`resume` catches it up). */
export const detachedChannel: PeerChannel = {
  notify() {},
  request(method) {
    return Promise.reject(new Error(`cannot send ${method}: the peer is disconnected`));
  },
  close() {},
};
