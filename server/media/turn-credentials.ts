/**
 * Time-limited TURN credentials for coturn's `use-auth-secret` mode (the "TURN REST API" of
 * draft-uberti-behave-turn-rest): username `<expiry unix time>:<peer id>`, password
 * base64(HMAC-SHA1(secret, username)). coturn recomputes the password from its `static-auth-secret`,
 * and refuses the username once the expiry has passed. Nothing is stored, and a leaked credential
 * dies on its own.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../../protocol/p2p.js';
import type { TurnRestConfig } from '../config.js';

export function turnCredentials(secret: string, peerId: string, ttlSeconds: number, now = Date.now()): { username: string; credential: string } {
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  const username = `${expiry}:${peerId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** The TURN server entry for one peer. */
export function turnServerFor(turn: TurnRestConfig, peerId: string, now = Date.now()): IceServer {
  return { urls: [...turn.urls], ...turnCredentials(turn.secret, peerId, turn.ttlSeconds, now) };
}
