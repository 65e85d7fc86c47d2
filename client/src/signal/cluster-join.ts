/**
 * `join` in a cluster: any node takes the socket, but the room lives on one (or a few) of them. A node
 * that does not serve the room answers MOVED with the URL of one that does, and the client moves its
 * socket there and asks again (server/cluster/README.md explains why a redirect, not a proxy). The
 * other nodes' URLs from the answer are kept for reconnecting if this node goes away.
 */
import type { ClientRequestInput, ClientResponseData } from '../../../protocol/requests.js';
import type { SignalClient } from './signal-client.js';
import { SignalError } from './signal-error.js';

/** A room placed once is found on the first hop; more than this means the cluster is reshuffling. */
const MAX_MOVES = 3;

export async function joinFollowingMoves(signal: SignalClient, request: ClientRequestInput<'join'>): Promise<ClientResponseData['join']> {
  for (let moves = 0; ; moves++) {
    try {
      const joined = await signal.request('join', request);
      if (joined.nodeUrls) signal.setFallbackUrls(joined.nodeUrls);
      return joined;
    } catch (error) {
      if (!(error instanceof SignalError && error.code === 'MOVED' && error.redirect) || moves >= MAX_MOVES) throw error;
      await signal.moveTo(error.redirect);
    }
  }
}
