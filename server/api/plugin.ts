/**
 * The operator's HTTP API under `/api/`, behind `Authorization: Bearer <API_KEY>`. Every answer is JSON;
 * every failure is `{ error: { code, message } }` with a fitting status. Without API_KEY the whole API
 * answers 403 API_DISABLED, so it is never open by accident.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { roomRoutes } from './rooms.js';
import { tokenRoutes } from './tokens.js';

export type ApiErrorCode =
  | 'API_DISABLED'
  | 'UNAUTHORIZED'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'TOKENS_DISABLED'
  | 'INTERNAL';

export function sendError(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** Compares digests, so neither the key's content nor its length leaks through timing. */
function keyMatches(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export async function apiRoutes(app: FastifyInstance): Promise<void> {
  const { apiKey } = app.config.auth;

  app.addHook('onRequest', async (request, reply) => {
    if (!apiKey) return sendError(reply, 403, 'API_DISABLED', 'the HTTP API is disabled: set API_KEY to enable it');
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1] || !keyMatches(match[1], apiKey)) {
      reply.header('www-authenticate', 'Bearer realm="shouwang"');
      return sendError(reply, 401, 'UNAUTHORIZED', header ? 'the API key is wrong' : 'send the API key as "Authorization: Bearer <API_KEY>"');
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) return sendError(reply, 400, 'BAD_REQUEST', error.message);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'BAD_REQUEST', error.message);
    }
    request.log.error({ err: error }, 'API request failed');
    return sendError(reply, 500, 'INTERNAL', 'internal server error');
  });

  // A route, not only a not-found handler: the client's static files own `/*`, and would answer first.
  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, 404, 'NOT_FOUND', `no API route ${request.method} ${request.url.split('?')[0]}`);
  app.setNotFoundHandler(notFound);
  app.all('/*', notFound);

  await app.register(tokenRoutes);
  await app.register(roomRoutes);
}
