/** Runtime schemas of the moderation requests (the server validates with these; see moderation.ts). */
import { z } from 'zod';
import { MAX_JOIN_TOKEN_LENGTH, ROOM_ACCESS_MODES } from './moderation.js';
import { mediaSourceSchema } from './media.js';

const peerId = z.string().min(1).max(64);
const knockId = z.string().min(1).max(64);

/** A join token (JWT, compact form): three base64url parts. */
export const joinTokenSchema = z
  .string()
  .max(MAX_JOIN_TOKEN_LENGTH, `token is longer than ${MAX_JOIN_TOKEN_LENGTH} characters`)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, 'token is not a JWT');

/** Spread into clientRequestSchemas (requests.ts); `knock` is there, next to `join`, which it resembles. */
export const moderationRequestSchemas = {
  /** Moderators: pause another participant's `source` (they are told, and may unmute themselves). */
  mutePeer: z.strictObject({ peerId, source: mediaSourceSchema }),
  /** Moderators: take someone out of the room; their connection closes with REMOVED (4008). */
  removePeer: z.strictObject({ peerId }),
  /** Moderators: open the room, put a lobby in front of it, or lock it. */
  setRoomAccess: z.strictObject({ access: z.enum(ROOM_ACCESS_MODES) }),
  /** Moderators: let a knocker in, or turn them away. */
  admitKnock: z.strictObject({ knockId }),
  denyKnock: z.strictObject({ knockId }),
} as const;
