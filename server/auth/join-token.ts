/**
 * Join tokens: JWTs signed with HS256 and the server's JOIN_TOKEN_SECRET (jose does the cryptography).
 *
 * Claims:
 *   room   the room id the token admits to (exactly one)
 *   sub    the identity: who this is, as the operator's own system knows them
 *   name   display name (optional; the client's choice is used when absent)
 *   grants { publish?, subscribe?, chat?, moderate? } (optional; see grants.ts for the defaults)
 *   exp    expiry (required), iat, nbf (optional)
 *   aud    "shouwang" (so a token signed for another service with a shared secret is not accepted)
 *
 * Every refusal is a FORBIDDEN RequestError whose message says which check failed (expired, wrong room,
 * bad signature, malformed), so an operator can tell from the client's error what to fix.
 */
import { SignJWT, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { displayNameSchema, roomIdSchema } from '../../protocol/requests.js';
import { RequestError } from '../signaling/errors.js';
import { grantsFrom, type Grants } from './grants.js';

export const TOKEN_AUDIENCE = 'shouwang';
const ALGORITHM = 'HS256';
/** Clock difference tolerated between the minting system and this server. */
const CLOCK_TOLERANCE_S = 30;

export interface JoinTokenClaims {
  room: string;
  identity: string;
  name?: string;
  grants: Grants;
  /** Seconds since epoch. */
  expiresAt: number;
}

const identitySchema = z.string().trim().min(1).max(128);

const payloadSchema = z.object({
  room: roomIdSchema,
  sub: identitySchema,
  name: displayNameSchema.optional(),
  grants: z
    .strictObject({
      publish: z.boolean().optional(),
      subscribe: z.boolean().optional(),
      chat: z.boolean().optional(),
      moderate: z.boolean().optional(),
    })
    .optional(),
  exp: z.number(),
});

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Checks signature, audience, expiry and room; returns what the token says about its holder. */
export async function verifyJoinToken(token: string, secret: string, roomId: string): Promise<JoinTokenClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: [ALGORITHM],
      audience: TOKEN_AUDIENCE,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (error) {
    throw new RequestError('FORBIDDEN', describeTokenError(error));
  }
  const claims = payloadSchema.safeParse(payload);
  if (!claims.success) {
    const issue = claims.error.issues[0];
    throw new RequestError('FORBIDDEN', `token claims are invalid: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}`);
  }
  if (claims.data.room !== roomId) {
    throw new RequestError('FORBIDDEN', `token is for another room ("${claims.data.room}")`);
  }
  return {
    room: claims.data.room,
    identity: claims.data.sub,
    ...(claims.data.name === undefined ? {} : { name: claims.data.name }),
    grants: grantsFrom(claims.data.grants),
    expiresAt: claims.data.exp,
  };
}

function describeTokenError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'token signature is invalid (forged, or signed with another secret)';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return `token must be signed with ${ALGORITHM}`;
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return `token audience must be "${TOKEN_AUDIENCE}"`;
    if (error.claim === 'nbf') return 'token is not valid yet';
    return `token claim "${error.claim}" is ${error.reason === 'missing' ? 'missing' : 'invalid'}`;
  }
  return 'token is malformed';
}

export interface MintOptions {
  room: string;
  identity: string;
  name?: string;
  grants?: Partial<Grants>;
  ttlSeconds: number;
}

/** Signs a token (the HTTP API's `POST /api/tokens`, and tests). */
export async function mintJoinToken(secret: string, options: MintOptions, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
  const issuedAt = Math.floor(now / 1000);
  const expiresAt = issuedAt + options.ttlSeconds;
  const token = await new SignJWT({
    room: options.room,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.grants === undefined ? {} : { grants: options.grants }),
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(options.identity)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keyOf(secret));
  return { token, expiresAt };
}
