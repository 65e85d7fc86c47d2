/**
 * One client's WebSocket: byte cap, rate limit, JSON parse and schema validation of every inbound
 * message happen here, once. Past this boundary, handlers get typed, trusted data.
 */
import { EventEmitter } from 'node:events';
import type { WebSocket, RawData } from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import { clientEnvelopeSchema, type ErrorBody, type Message } from '../../protocol/envelope.js';
import { CLOSE_CODES, type CloseCode } from '../../protocol/errors.js';
import { MAX_MESSAGE_BYTES, REQUEST_TIMEOUT_MS } from '../../protocol/limits.js';
import type {
  ServerNotificationMethod,
  ServerNotifications,
  ServerRequestMethod,
  ServerRequests,
} from '../../protocol/server-messages.js';
import type { PeerChannel } from '../rooms/peer-channel.js';
import { ProtocolError, RequestError } from './errors.js';
import { TokenBucket } from '../../protocol/token-bucket.js';

export interface ConnectionOptions {
  logger: FastifyBaseLogger;
  /** Ping this often; a socket silent for `heartbeatTimeoutMs` is dropped. */
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  rate?: { burst: number; perSecond: number };
  /** This many malformed or rate-limited messages within a minute mean the client is broken or hostile. */
  maxRejectsPerMinute?: number;
}

export interface InboundRequest {
  id: number;
  method: string;
  data: unknown;
}

interface ConnectionEvents {
  request: [request: InboundRequest];
  close: [code: number, reason: string];
}

interface PendingRequest {
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class SignalingConnection extends EventEmitter<ConnectionEvents> implements PeerChannel {
  readonly logger: FastifyBaseLogger;
  readonly #socket: WebSocket;
  readonly #bucket: TokenBucket;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #heartbeatTimeoutMs: number;
  readonly #maxRejectsPerMinute: number;
  #rejects: number[] = [];
  /**
   * Messages the client may send without a token: one per request of the server's still awaiting its
   * answer. A client in a busy room answers a `newConsumer` for every track anyone starts; those
   * answers are the server's doing, and charging them made a quiet participant "flood" and get cut off
   * (test/server/answer-rate.test.ts). Never more than the requests pending, so it cannot be hoarded.
   */
  #answerCredit = 0;
  #lastSeen = Date.now();
  #nextRequestId = 1;
  #closed = false;

  /** Attach synchronously in the WebSocket handler: messages sent during async setup are otherwise lost. */
  constructor(socket: WebSocket, options: ConnectionOptions) {
    super({ captureRejections: false });
    this.#socket = socket;
    this.logger = options.logger;
    this.#bucket = new TokenBucket(options.rate ?? { burst: 200, perSecond: 50 });
    this.#heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 45_000;
    this.#maxRejectsPerMinute = options.maxRejectsPerMinute ?? 100;
    socket.on('message', (raw, isBinary) => this.#onMessage(raw, isBinary));
    socket.on('pong', () => (this.#lastSeen = Date.now()));
    socket.on('close', (code, reason) => this.#onClose(code, reason.toString()));
    socket.on('error', (error) => this.logger.debug({ err: error }, 'socket error'));
    this.#heartbeat = setInterval(() => this.#checkHeartbeat(), options.heartbeatIntervalMs ?? 20_000);
    this.#heartbeat.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  notify<M extends ServerNotificationMethod>(method: M, data: ServerNotifications[M]): void {
    this.#send({ kind: 'notification', method, data });
  }

  request<M extends ServerRequestMethod>(method: M, data: ServerRequests[M]['data']): Promise<ServerRequests[M]['response']> {
    if (this.#closed) return Promise.reject(new Error('connection closed'));
    const id = this.#nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        // A late answer is charged like any message.
        this.#answerCredit = Math.min(this.#answerCredit, this.#pending.size);
        reject(new RequestError('TIMEOUT', `${method} got no answer within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { resolve: resolve as (data: unknown) => void, reject, timer });
      this.#answerCredit++;
      this.#send({ kind: 'request', id, method, data });
    });
  }

  respond(id: number, data: unknown): void {
    this.#send({ kind: 'response', id, ok: true, data });
  }

  respondError(id: number, error: ErrorBody): void {
    this.#send({ kind: 'response', id, ok: false, error });
  }

  close(code: CloseCode | 1000, reason: string): void {
    if (this.#closed) return;
    // WebSocket close reasons are limited to 123 bytes.
    this.#socket.close(code, Buffer.from(reason).subarray(0, 120).toString());
    this.#onClose(code, reason);
  }

  #send(message: Message): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return;
    this.#socket.send(JSON.stringify(message));
  }

  #onMessage(raw: RawData, isBinary: boolean): void {
    this.#lastSeen = Date.now();
    if (this.#closed) return;
    try {
      const request = this.#parse(raw, isBinary);
      if (request) this.emit('request', request);
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.logger.warn({ reason: error.message }, 'closing connection: protocol error');
        this.close(error.closeCode, error.message);
      } else {
        throw error;
      }
    }
  }

  /** Returns a request to dispatch, or handles the message (response, error) and returns undefined. */
  #parse(raw: RawData, isBinary: boolean): InboundRequest | undefined {
    const bytes = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : raw.byteLength;
    // Still before any parsing: which message is the answer is not known yet, only that one is owed.
    if (this.#answerCredit > 0) this.#answerCredit--;
    else if (!this.#bucket.take()) {
      this.#reject(undefined, { code: 'RATE_LIMITED', message: 'too many messages; slow down' });
      return undefined;
    }
    if (isBinary) {
      this.#reject(undefined, { code: 'BAD_REQUEST', message: 'binary frames are not accepted' });
      return undefined;
    }
    if (bytes > MAX_MESSAGE_BYTES) {
      this.#reject(undefined, { code: 'TOO_LARGE', message: `message is ${bytes} bytes; the limit is ${MAX_MESSAGE_BYTES}` });
      return undefined;
    }
    const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#reject(undefined, { code: 'BAD_REQUEST', message: 'message is not valid JSON' });
      return undefined;
    }
    const envelope = clientEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      this.#reject(idOf(json), { code: 'BAD_REQUEST', message: `malformed message: ${summarize(envelope.error.issues)}` });
      return undefined;
    }
    const message = envelope.data;
    if (message.kind === 'request') return { id: message.id, method: message.method, data: message.data };
    const pending = this.#pending.get(message.id);
    if (!pending) return undefined; // A late answer to a request that already timed out.
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.data);
    else pending.reject(new RequestError(message.error.code, message.error.message));
    return undefined;
  }

  /**
   * Answers a message that broke the protocol (bad JSON, wrong shape, too big, too fast). Only these
   * count towards closing the socket: a request that fails on its merits (NOT_FOUND, ...) is an answer.
   */
  #reject(id: number | undefined, error: ErrorBody): void {
    if (id === undefined) this.notify('error', error);
    else this.respondError(id, error);
    this.#countReject();
  }

  #countReject(): void {
    if (this.#closed) return;
    const now = Date.now();
    this.#rejects = this.#rejects.filter((at) => now - at < 60_000);
    this.#rejects.push(now);
    if (this.#rejects.length > this.#maxRejectsPerMinute) {
      this.logger.warn('closing connection: too many rejected messages');
      this.close(CLOSE_CODES.PROTOCOL_ERROR, `more than ${this.#maxRejectsPerMinute} rejected messages in a minute`);
    }
  }

  #checkHeartbeat(): void {
    if (Date.now() - this.#lastSeen > this.#heartbeatTimeoutMs) {
      this.logger.info('closing connection: heartbeat timeout');
      this.#socket.terminate();
      this.#onClose(CLOSE_CODES.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
      return;
    }
    this.#socket.ping();
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('connection closed'));
    }
    this.#pending.clear();
    this.emit('close', code, reason);
  }
}

function idOf(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null || !('id' in json)) return undefined;
  const id = (json as { id: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/** A short, safe description of what was wrong: paths and messages, never the input itself. */
export function summarize(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ')
    .slice(0, 500);
}
