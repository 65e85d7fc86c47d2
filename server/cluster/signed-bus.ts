/**
 * Node-to-node messages over Redis pub/sub, one channel per node (`sw:node:<id>`). Redis is shared
 * infrastructure: anything that can reach it could publish. So every payload carries an HMAC-SHA256
 * made with CLUSTER_SECRET, and a timestamp; a message with a bad signature, or older than
 * MAX_AGE_MS (a replay), is dropped before it is even parsed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { clusterMessageSchema, type ClusterMessage, type ClusterMessageBody } from './messages.js';
import type { Redis } from './redis.js';

const MAX_AGE_MS = 30_000;
/** Payloads are small (a producer's RTP parameters at most); anything bigger is not ours. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

export function nodeChannel(nodeId: string): string {
  return `sw:node:${nodeId}`;
}

export class SignedBus {
  readonly #nodeId: string;
  readonly #secret: Buffer;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #logger: FastifyBaseLogger;
  #onMessage: (message: ClusterMessage) => void = () => {};
  /** Dropped messages, for tests and metrics: a forged or replayed message must leave a trace. */
  rejected = 0;

  constructor(options: { nodeId: string; secret: string; pub: Redis; sub: Redis; logger: FastifyBaseLogger }) {
    this.#nodeId = options.nodeId;
    this.#secret = Buffer.from(options.secret, 'utf8');
    this.#pub = options.pub;
    this.#sub = options.sub;
    this.#logger = options.logger;
    this.#sub.on('message', (channel: string, raw: string) => {
      if (channel === nodeChannel(this.#nodeId)) this.#receive(raw);
    });
  }

  /** Subscribes to this node's channel; ioredis re-subscribes by itself after Redis comes back. */
  async start(onMessage: (message: ClusterMessage) => void): Promise<void> {
    this.#onMessage = onMessage;
    await this.#sub.subscribe(nodeChannel(this.#nodeId));
  }

  /** Sends to one node. Fails (rejects) when Redis is unreachable; callers decide what that costs. */
  async send(to: string, roomId: string, body: ClusterMessageBody): Promise<void> {
    const payload = JSON.stringify({ ...body, from: this.#nodeId, to, roomId, at: Date.now() });
    await this.#pub.publish(nodeChannel(to), `${this.#sign(payload)}.${payload}`);
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload, 'utf8').digest('base64url');
  }

  #receive(raw: string): void {
    const dot = raw.indexOf('.');
    if (raw.length > MAX_PAYLOAD_BYTES || dot < 0) return this.#reject('malformed frame');
    const signature = Buffer.from(raw.slice(0, dot), 'base64url');
    const payload = raw.slice(dot + 1);
    const expected = Buffer.from(this.#sign(payload), 'base64url');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return this.#reject('bad signature');
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      return this.#reject('not JSON');
    }
    const parsed = clusterMessageSchema.safeParse(json);
    if (!parsed.success) return this.#reject(`unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
    const message = parsed.data;
    if (message.to !== this.#nodeId) return this.#reject('addressed to another node');
    if (Math.abs(Date.now() - message.at) > MAX_AGE_MS) return this.#reject('too old (replayed?)');
    try {
      this.#onMessage(message);
    } catch (error) {
      this.#logger.error({ err: error, type: message.type }, 'cluster message handler failed');
    }
  }

  #reject(why: string): void {
    this.rejected++;
    this.#logger.warn({ why }, 'dropping a cluster message');
  }
}
