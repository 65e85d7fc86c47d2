/**
 * Node-to-node messages over Redis pub/sub, one channel per node (`sw:node:<id>`). Redis is shared
 * infrastructure: anything that can reach it could publish. So every payload carries an HMAC-SHA256
 * made with CLUSTER_SECRET, and a timestamp; a message with a bad signature, or older than
 * MAX_AGE_MS (a replay), is dropped before it is even parsed.
 *
 * Pub/sub delivers only to whoever listens at that instant: right after Redis restarts, a node whose
 * subscriber has not reconnected yet would silently miss what the others tell it (a newcomer joining,
 * a producer to pipe) and never hear it again. PUBLISH says how many listened, so each message to a
 * node waits in that node's outbox, in order, until the node listens (or DELIVERY_DEADLINE_MS passes).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { clusterMessageSchema, type ClusterMessage, type ClusterMessageBody } from './messages.js';
import type { Redis } from './redis.js';

const MAX_AGE_MS = 30_000;
/** Payloads are small (a producer's RTP parameters at most); anything bigger is not ours. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/**
 * How long a message may wait for its node to listen: a Redis restart and every node's reconnection
 * (at most a second apart, redis.ts) fit many times over. A node gone for longer is dead or cut off,
 * and what it missed is told again when it greets (room-span.ts).
 */
export const DELIVERY_DEADLINE_MS = 10_000;
const RETRY_MS = 200;
/** Messages waiting for one node; more means it is not coming back soon. */
const MAX_WAITING = 5000;

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
  /** Per node: the last message in its outbox (each one is sent after the one before it). */
  readonly #outboxes = new Map<string, { tail: Promise<void>; waiting: number }>();
  /** Per node: bumped when the node is lost, which drops what waits for it. */
  readonly #epochs = new Map<string, number>();
  #closed = false;
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

  /**
   * Subscribes to this node's channel. ioredis re-subscribes by itself after Redis comes back, but only
   * to a channel it had subscribed: if Redis was away at start, subscribing again on every reconnect
   * is what makes the node listen at all (subscribing twice is harmless).
   */
  async start(onMessage: (message: ClusterMessage) => void): Promise<void> {
    this.#onMessage = onMessage;
    this.#sub.on('ready', () => {
      if (!this.#closed) this.#sub.subscribe(nodeChannel(this.#nodeId)).catch(() => undefined);
    });
    await this.#sub.subscribe(nodeChannel(this.#nodeId));
  }

  /**
   * Sends to one node, after everything sent to it before. Resolves once the node's subscriber got it;
   * rejects when it did not listen within DELIVERY_DEADLINE_MS (Redis away, the node dead) or was
   * declared lost (`forget`). Callers decide what that costs.
   */
  send(to: string, roomId: string, body: ClusterMessageBody): Promise<void> {
    const outbox = this.#outboxes.get(to) ?? { tail: Promise.resolve(), waiting: 0 };
    if (outbox.waiting >= MAX_WAITING) return Promise.reject(new Error(`${outbox.waiting} messages already wait for node ${to}`));
    const epoch = this.#epochs.get(to) ?? 0;
    const delivered = outbox.tail.then(() => this.#deliver(to, roomId, body, epoch));
    outbox.tail = delivered.catch(() => undefined);
    outbox.waiting++;
    this.#outboxes.set(to, outbox);
    void outbox.tail.then(() => {
      if (--outbox.waiting === 0 && this.#outboxes.get(to) === outbox) this.#outboxes.delete(to);
    });
    return delivered;
  }

  /** The node is gone: what waits for it is dropped (its senders hear a rejection). */
  forget(nodeId: string): void {
    this.#epochs.set(nodeId, (this.#epochs.get(nodeId) ?? 0) + 1);
  }

  /** The node shuts down: messages are tried once more, no longer waited for. */
  close(): void {
    this.#closed = true;
  }

  async #deliver(to: string, roomId: string, body: ClusterMessageBody, epoch: number): Promise<void> {
    const deadline = Date.now() + DELIVERY_DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      // Shutting down: what the node says on its way out (people leaving, goodbyes) is tried once.
      if (this.#closed && attempt > 0) throw new Error('the cluster bus is closed');
      if ((this.#epochs.get(to) ?? 0) !== epoch) throw new Error(`node ${to} was lost`);
      let failure: unknown;
      try {
        // Stamped at each attempt: the receiver's replay check measures the age of this copy.
        const payload = JSON.stringify({ ...body, from: this.#nodeId, to, roomId, at: Date.now() });
        if ((await this.#pub.publish(nodeChannel(to), `${this.#sign(payload)}.${payload}`)) > 0) return;
      } catch (error) {
        failure = error;
      }
      if (Date.now() + RETRY_MS > deadline) {
        throw failure instanceof Error ? failure : new Error(`node ${to} did not listen within ${DELIVERY_DEADLINE_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
    }
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
