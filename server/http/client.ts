/**
 * Serves the built browser app. `/` and `/r/<room>` are the same single-page app; hashed assets are
 * cached for good, index.html never (so a deploy is picked up on the next load).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

export async function clientRoutes(app: FastifyInstance): Promise<void> {
  const root = app.config.clientDir;
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index)) {
    app.log.warn({ clientDir: root }, 'client build not found; run `npm run build:client`');
    const notBuilt = async (_request: unknown, reply: import('fastify').FastifyReply) =>
      reply.code(503).type('text/plain').send('The Shouwang client is not built. Run `npm run build:client` (or `npm start`).\n');
    app.get('/', notBuilt);
    app.get('/r/:room', notBuilt);
    return;
  }

  await app.register(fastifyStatic, {
    root,
    index: false,
    wildcard: true,
    setHeaders(reply, filePath) {
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

  const sendApp = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html');
  app.get('/', sendApp);
  app.get('/r/:room', sendApp);
}
