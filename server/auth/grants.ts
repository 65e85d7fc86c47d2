/**
 * What a participant may do. A join token carries its grants; a join without a token gets the open
 * room's grants. Moderation in an open room goes to whoever is there first (see moderators.ts).
 */
import type { Grants } from '../../protocol/moderation.js';

export type { Grant, Grants } from '../../protocol/moderation.js';

/** A join without a token: everything but moderation, which the room hands out itself. */
export const OPEN_JOIN_GRANTS: Readonly<Grants> = Object.freeze({ publish: true, subscribe: true, chat: true, moderate: false });

/** A token that leaves a grant out gets the open default for it, except `moderate`, which must be given. */
export function grantsFrom(claimed: Partial<Grants> | undefined): Grants {
  return {
    publish: claimed?.publish ?? true,
    subscribe: claimed?.subscribe ?? true,
    chat: claimed?.chat ?? true,
    moderate: claimed?.moderate ?? false,
  };
}
