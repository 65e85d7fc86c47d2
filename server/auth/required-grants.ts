/**
 * Which grant each client request needs, checked by dispatch for every request of a joined peer before
 * its handler runs. A method missing here needs no grant (joining, leaving, one's own mute state, P2P
 * signaling between the room's pair, ...). The other checks live where the thing happens:
 * - `subscribe`: the room creates no consumers for a peer without it (Room.#consume); its transports
 *   still carry chat.
 * - `chat`: per message kind in server/chat/chat-grant.ts (a raised hand needs no grant).
 * - `publish` and `subscribe` both: only such peers are offered P2P (media browser to browser would
 *   bypass the server's checks).
 */
import type { ClientRequestData, ClientRequestMethod } from '../../protocol/requests.js';
import type { Grant } from './grants.js';

type GrantRule = { [M in ClientRequestMethod]?: Grant | ((data: ClientRequestData<M>) => Grant | undefined) };

const REQUIRED_GRANTS: GrantRule = {
  produce: 'publish',
  mutePeer: 'moderate',
  removePeer: 'moderate',
  setRoomAccess: 'moderate',
  admitKnock: 'moderate',
  denyKnock: 'moderate',
};

/** The grant `method` needs with this `data`, if any. */
export function requiredGrant<M extends ClientRequestMethod>(method: M, data: ClientRequestData<M>): Grant | undefined {
  const rule = REQUIRED_GRANTS[method] as Grant | ((data: ClientRequestData<M>) => Grant | undefined) | undefined;
  return typeof rule === 'function' ? rule(data) : rule;
}
