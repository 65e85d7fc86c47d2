/**
 * Connections to the cluster's Redis. A call in progress must never hang on Redis: commands fail after
 * a second instead of queueing forever, and the client keeps reconnecting in the background, so a
 * Redis restart degrades placement and node discovery for a while but never the media already flowing.
 */
import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

export type { Redis };

/** The longest pause between two attempts to reach Redis again (node-registry.ts waits that long too). */
export const MAX_RECONNECT_DELAY_MS = 1000;

/** Long enough for a loaded Redis on a busy machine; short enough that a join does not stall. */
const COMMAND_TIMEOUT_MS = 1500;

export function connectRedis(url: string, logger: FastifyBaseLogger, role: string): Redis {
  const redis = new Redis(url, {
    commandTimeout: COMMAND_TIMEOUT_MS,
    // One retry after a reconnect, then the caller hears of it (and falls back to what it knows).
    maxRetriesPerRequest: 1,
    // Reconnect forever, at most every second: Redis coming back must be noticed soon, by every node.
    retryStrategy: (attempt) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    connectionName: `shouwang-${role}`,
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error, role }, 'redis connection failed; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ role }, 'redis connection back');
    down = false;
  });
  return redis;
}
