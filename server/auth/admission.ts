/**
 * Who a joining (or knocking) client is and what it may do, decided from its join token or from the
 * server's open-join policy. The room decides the rest (lobby, lock, moderator of an open room).
 */
import type { AuthConfig } from '../config.js';
import { RequestError } from '../signaling/errors.js';
import { OPEN_JOIN_GRANTS, type Grants } from './grants.js';
import { verifyJoinToken } from './join-token.js';

export interface Admission {
  /** The token's subject; undefined for an open join (the peer id then stands for the person). */
  identity?: string;
  displayName: string;
  grants: Grants;
}

export async function admissionFor(
  request: { roomId: string; displayName: string; token?: string | undefined },
  auth: AuthConfig,
): Promise<Admission> {
  if (request.token !== undefined) {
    if (!auth.joinTokenSecret) {
      throw new RequestError('FORBIDDEN', 'this server does not accept join tokens (JOIN_TOKEN_SECRET is not set)');
    }
    const claims = await verifyJoinToken(request.token, auth.joinTokenSecret, request.roomId);
    // The token's identity and name are the operator's word; the client's own name only fills a gap.
    return { identity: claims.identity, displayName: claims.name ?? request.displayName, grants: claims.grants };
  }
  if (!auth.allowOpenJoin) throw new RequestError('FORBIDDEN', 'a join token is required on this server');
  return { displayName: request.displayName, grants: { ...OPEN_JOIN_GRANTS } };
}
