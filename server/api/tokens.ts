/** `POST /api/tokens`: mint a join token for one person and one room. */
import type { FastifyInstance } from 'fastify';
import { ROOM_ID_PATTERN } from '../../protocol/limits.js';
import { GRANTS, type Grants } from '../../protocol/moderation.js';
import { displayNameSchema } from '../../protocol/requests.js';
import { mintJoinToken } from '../auth/join-token.js';
import { sendError } from './plugin.js';

/** A token is a ticket to join; once in, its expiry does not end the meeting for its holder. */
const DEFAULT_TTL_SECONDS = 3600;
const MAX_TTL_SECONDS = 7 * 86_400;

interface MintBody {
  room: string;
  identity: string;
  name?: string;
  grants?: Partial<Grants>;
  ttlSeconds?: number;
}

const bodySchema = {
  type: 'object',
  required: ['room', 'identity'],
  additionalProperties: false,
  properties: {
    room: { type: 'string', pattern: ROOM_ID_PATTERN.source },
    identity: { type: 'string', minLength: 1, maxLength: 128 },
    name: { type: 'string', minLength: 1, maxLength: 64 },
    grants: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(GRANTS.map((grant) => [grant, { type: 'boolean' }])),
    },
    ttlSeconds: { type: 'integer', minimum: 60, maximum: MAX_TTL_SECONDS },
  },
} as const;

export async function tokenRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: MintBody }>('/tokens', { schema: { body: bodySchema } }, async (request, reply) => {
    const secret = app.config.auth.joinTokenSecret;
    if (!secret) return sendError(reply, 409, 'TOKENS_DISABLED', 'set JOIN_TOKEN_SECRET to mint join tokens');
    const { room, identity, name, grants, ttlSeconds = DEFAULT_TTL_SECONDS } = request.body;
    if (name !== undefined) {
      const checked = displayNameSchema.safeParse(name);
      if (!checked.success) return sendError(reply, 400, 'BAD_REQUEST', `name: ${checked.error.issues[0]?.message ?? 'invalid'}`);
    }
    const { token, expiresAt } = await mintJoinToken(secret, {
      room,
      identity,
      ttlSeconds,
      ...(name === undefined ? {} : { name: name.trim() }),
      ...(grants === undefined ? {} : { grants }),
    });
    request.log.info({ room, identity, grants, ttlSeconds }, 'join token minted');
    return reply.code(201).send({
      token,
      room,
      identity,
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      // The link to hand out: the client reads the token from it (and drops it from the address bar).
      path: `/r/${room}?token=${token}`,
    });
  });
}
