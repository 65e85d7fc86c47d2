/**
 * The signaling socket: typed requests with timeouts, typed notifications, and answers to the requests
 * the server sends (e.g. `newConsumer`). It knows nothing about rooms or media.
 *
 * It also keeps the connection alive: a heartbeat notices a socket that went silent, and once
 * `enableReconnect` is called, a broken socket is replaced by a new one (with backoff) on which the
 * caller's `resume` runs before anything else. Handlers stay registered across sockets, so to the
 * layers above a reconnect is a pause, not a new client.
 */
import { CLOSE_CODES } from '../../../protocol/errors.js';
import { REQUEST_TIMEOUT_MS } from '../../../protocol/limits.js';
import type { ClientRequestInput, ClientRequestMethod, ClientResponseData } from '../../../protocol/requests.js';
import type {
  ServerNotificationMethod,
  ServerNotifications,
  ServerRequestMethod,
  ServerRequests,
} from '../../../protocol/server-messages.js';
import { DEFAULT_HEARTBEAT, Heartbeat, type HeartbeatOptions } from './heartbeat.js';
import { backoffDelay, isFinalRefusal, mayReconnectAfter } from './reconnect-policy.js';
import { parseServerMessage, type ServerMessage } from './server-message.js';
import { SignalError, type SignalCloseEvent } from './signal-error.js';

type NotificationHandler<M extends ServerNotificationMethod> = (data: ServerNotifications[M]) => void;
type ServerRequestHandler<M extends ServerRequestMethod> = (
  data: ServerRequests[M]['data'],
) => Promise<ServerRequests[M]['response']>;
type CloseHandler = (event: SignalCloseEvent) => void;

interface PendingRequest {
  method: string;
  resolve: (data: unknown) => void;
  reject: (error: SignalError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface SignalClientOptions {
  heartbeat?: HeartbeatOptions;
}

export interface ReconnectOptions {
  /**
   * Runs first on every new socket (only `resume` and `ping` may be sent meanwhile) and resolves once
   * the server took the session back. A SignalError the server answered with (e.g. NOT_FOUND: the grace
   * period is over) ends reconnecting for good; anything else is retried.
   */
  resume: () => Promise<void>;
  /** Stop trying this long after the socket broke (the server's grace period). */
  giveUpAfterMs: number;
}

/**
 * `open`: requests flow. `reconnecting`: the socket broke and a new one is being made (requests fail
 * at once with CONNECTION_CLOSED). `resuming`: a new socket is open and `resume` runs on it.
 * `closed`: for good.
 */
export type SignalState = 'open' | 'reconnecting' | 'resuming' | 'closed';

/** Requests allowed while a new socket resumes: nothing may reach the server before `resume` does. */
const RESUMING_METHODS: ReadonlySet<string> = new Set(['resume', 'ping']);

/** The signaling endpoint on the page's own origin, `wss:` when the page came over https. */
export function defaultSignalUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/**
 * Opens a socket; rejects if it closes before it opens (server down, proxy refusing, ...) or does not
 * open within `timeoutMs` (a black-holed network would otherwise hang).
 */
function openSocket(url: string, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const settle = (): void => {
      clearTimeout(timer);
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('close', onEarlyClose);
    };
    const onOpen = (): void => {
      settle();
      resolve(socket);
    };
    const onEarlyClose = (event: CloseEvent): void => {
      settle();
      const detail = event.reason ? `: ${event.reason}` : '';
      reject(new SignalError('CONNECTION_CLOSED', `The server could not be reached (code ${event.code}${detail}).`));
    };
    const timer = setTimeout(() => {
      settle();
      socket.close();
      reject(new SignalError('TIMEOUT', 'The server did not accept the connection in time.'));
    }, timeoutMs);
    socket.addEventListener('open', onOpen);
    socket.addEventListener('close', onEarlyClose);
    // Every failure is followed by `close`, which is where it is handled. (Without a listener, the
    // WebSocket of Node's `ws`, used by tests, would throw the error.)
    socket.addEventListener('error', ignoreError);
  });
}

export class SignalClient {
  /** The node this client talks to; a cluster may move it (`moveTo`, or MOVED answering `resume`). */
  #url: string;
  /** Where the client first connected (the page's own server or a load balancer): tried when #url is down. */
  readonly #entryUrl: string;
  /** Other cluster nodes (the join answer's `nodeUrls`): tried when neither of the above answers. */
  #fallbackUrls: string[] = [];
  #socket: WebSocket;
  #state: SignalState = 'open';
  #nextRequestId = 1;
  readonly #pending = new Map<number, PendingRequest>();
  // Handlers are stored untyped per method; `on` and `handle` are the typed doors in.
  readonly #notificationHandlers = new Map<string, Set<(data: unknown) => void>>();
  readonly #requestHandlers = new Map<string, (data: unknown) => Promise<unknown>>();
  readonly #closeHandlers = new Set<CloseHandler>();
  readonly #reconnectingHandlers = new Set<(lost: SignalCloseEvent) => void>();
  readonly #reconnectedHandlers = new Set<() => void>();
  readonly #heartbeat: Heartbeat;
  #reconnect: ReconnectOptions | null = null;
  /** Wakes a reconnect loop that is waiting out its backoff, so `close()` ends it at once. */
  #cancelBackoff: (() => void) | null = null;
  #closedByClient = false;

  private constructor(url: string, socket: WebSocket, options: SignalClientOptions) {
    this.#url = url;
    this.#entryUrl = url;
    this.#socket = socket;
    this.#heartbeat = new Heartbeat(options.heartbeat ?? DEFAULT_HEARTBEAT, {
      ping: () => void this.#request('ping', {}).catch(() => undefined),
      dead: () => this.#socketLost(this.#socket, CLOSE_CODES.RECONNECTING, 'the server stopped answering'),
    });
    this.#attach(socket);
    this.#heartbeat.start();
    globalThis.addEventListener?.('online', this.#onOnline);
  }

  /** Opens the signaling socket (see `openSocket` for how it fails). */
  static async connect(url: string = defaultSignalUrl(), options: SignalClientOptions = {}): Promise<SignalClient> {
    const socket = await openSocket(url, REQUEST_TIMEOUT_MS);
    return new SignalClient(url, socket, options);
  }

  /** True once the client is closed for good (not while it reconnects). */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  get state(): SignalState {
    return this.#state;
  }

  /**
   * From now on a broken socket is replaced instead of ending the client. Call once the session is
   * worth resuming (after `join`); the options can be replaced (e.g. with a new grace period).
   */
  enableReconnect(options: ReconnectOptions): void {
    this.#reconnect = options;
  }

  /** Other cluster nodes to try, after this one and the entry URL, when reconnecting (node loss). */
  setFallbackUrls(urls: string[]): void {
    this.#fallbackUrls = urls.filter((url) => /^wss?:\/\//.test(url)).slice(0, 16);
  }

  /**
   * Replaces the socket with one to `url`: another node of a cluster named by a MOVED answer, before
   * `join`. Handlers stay registered; nothing pending survives (the caller sends its request again).
   */
  async moveTo(url: string): Promise<void> {
    if (this.#state !== 'open') throw new SignalError('CONNECTION_CLOSED', 'cannot move: the connection is not open');
    const socket = await openSocket(url, REQUEST_TIMEOUT_MS);
    if (this.#state !== 'open') {
      socket.close(1000, 'closed');
      throw new SignalError('CONNECTION_CLOSED', 'the client closed while moving to another node');
    }
    const previous = this.#socket;
    this.#detach(previous);
    this.#failPending('moved to another node');
    previous.close(1000, 'moved to another node');
    this.#socket = socket;
    this.#url = url;
    this.#attach(socket);
    this.#heartbeat.heard();
  }

  /** Sends a request and resolves with its response data; rejects with a SignalError. */
  request<M extends ClientRequestMethod>(method: M, data: ClientRequestInput<M>): Promise<ClientResponseData[M]> {
    return this.#request(method, data);
  }

  /** Subscribes to a notification; returns the unsubscribe function. */
  on<M extends ServerNotificationMethod>(method: M, handler: NotificationHandler<M>): () => void {
    let handlers = this.#notificationHandlers.get(method);
    if (!handlers) {
      handlers = new Set();
      this.#notificationHandlers.set(method, handlers);
    }
    const untyped = handler as (data: unknown) => void;
    handlers.add(untyped);
    return () => handlers.delete(untyped);
  }

  /**
   * Sets the one handler answering a server request. A resolved promise answers `ok`, a rejection
   * answers `INTERNAL` with the error's message. Returns a function removing the handler.
   */
  handle<M extends ServerRequestMethod>(method: M, handler: ServerRequestHandler<M>): () => void {
    const untyped = handler as (data: unknown) => Promise<unknown>;
    this.#requestHandlers.set(method, untyped);
    return () => {
      if (this.#requestHandlers.get(method) === untyped) this.#requestHandlers.delete(method);
    };
  }

  /** Called once when the client ends for good, whoever ended it. Returns the unsubscribe function. */
  onClose(handler: CloseHandler): () => void {
    return subscribe(this.#closeHandlers, handler);
  }

  /** The socket broke and a new one is being made; requests fail until `onReconnected`. */
  onReconnecting(handler: (lost: SignalCloseEvent) => void): () => void {
    return subscribe(this.#reconnectingHandlers, handler);
  }

  /** A new socket resumed the session; requests flow again. */
  onReconnected(handler: () => void): () => void {
    return subscribe(this.#reconnectedHandlers, handler);
  }

  /** Closes the socket; pending requests fail with CONNECTION_CLOSED. Idempotent; ends reconnecting. */
  close(code = 1000, reason = ''): void {
    if (this.#state === 'closed') return;
    this.#closedByClient = true;
    this.#detach(this.#socket);
    this.#socket.close(code, reason);
    // The browser fires `close` only after the closing handshake; the app must not wait for it.
    this.#finish(code, reason);
  }

  #request<M extends ClientRequestMethod>(method: M, data: ClientRequestInput<M>): Promise<ClientResponseData[M]> {
    const usable = this.#state === 'open' || (this.#state === 'resuming' && RESUMING_METHODS.has(method));
    if (!usable) {
      const why = this.#state === 'closed' ? 'the connection is closed' : 'the connection is being restored';
      return Promise.reject(new SignalError('CONNECTION_CLOSED', `cannot send ${method}: ${why}`));
    }
    const id = this.#nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SignalError('TIMEOUT', `${method} got no answer within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      // The server answers `method` with ClientResponseData[M]; this cast is the typed boundary.
      this.#pending.set(id, { method, resolve: resolve as (data: unknown) => void, reject, timer });
      this.#send({ kind: 'request', id, method, data });
    });
  }

  #send(message: object): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    this.#socket.send(JSON.stringify(message));
  }

  #attach(socket: WebSocket): void {
    socket.addEventListener('message', this.#onMessage);
    socket.addEventListener('close', this.#onSocketClose);
  }

  #detach(socket: WebSocket): void {
    socket.removeEventListener('message', this.#onMessage);
    socket.removeEventListener('close', this.#onSocketClose);
  }

  readonly #onMessage = (event: MessageEvent): void => {
    this.#heartbeat.heard();
    if (typeof event.data !== 'string') return;
    const message = parseServerMessage(event.data);
    if (!message) {
      console.warn('signal: ignoring a frame that is not a protocol message');
      return;
    }
    this.#dispatch(message);
  };

  #dispatch(message: ServerMessage): void {
    switch (message.kind) {
      case 'response': {
        const pending = this.#pending.get(message.id);
        if (!pending) return; // answered after its timeout
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.data);
        else pending.reject(new SignalError(message.error.code, message.error.message, message.error.redirect));
        return;
      }
      case 'notification': {
        for (const handler of this.#notificationHandlers.get(message.method) ?? []) {
          // One failing handler must not keep the others (or later messages) from running.
          try {
            handler(message.data);
          } catch (error) {
            console.error(`signal: ${message.method} handler failed`, error);
          }
        }
        return;
      }
      case 'request':
        void this.#answer(this.#socket, message.id, message.method, message.data);
        return;
    }
  }

  /**
   * Answers a server request on the socket it came on. Request ids are per connection: an answer that
   * is late for a socket that has since been replaced must not reach the new connection, where the same
   * id may name another request.
   */
  async #answer(socket: WebSocket, id: number, method: string, data: unknown): Promise<void> {
    const reply = (message: object): void => {
      if (this.#socket === socket) this.#send(message);
    };
    const handler = this.#requestHandlers.get(method);
    if (!handler) {
      reply({ kind: 'response', id, ok: false, error: { code: 'INTERNAL', message: `no handler for ${method}` } });
      return;
    }
    try {
      const answer = await handler(data);
      reply({ kind: 'response', id, ok: true, data: answer ?? {} });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`signal: ${method} handler failed`, error);
      reply({ kind: 'response', id, ok: false, error: { code: 'INTERNAL', message: message.slice(0, 1000) } });
    }
  }

  readonly #onSocketClose = (event: CloseEvent): void => {
    this.#socketLost(event.target as WebSocket, event.code, event.reason);
  };

  readonly #onOnline = (): void => {
    // The network came back: find out now whether the socket survived instead of at the next ping.
    if (this.#state === 'open') this.#heartbeat.probe();
  };

  /** The current socket ended (or was given up on): reconnect if that can help, else end for good. */
  #socketLost(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.#socket || this.#state === 'closed') return;
    this.#detach(socket);
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
      // Tell the server (if it can still hear) that this client is coming back, so it keeps the peer.
      socket.close(CLOSE_CODES.RECONNECTING, 'reconnecting');
    }
    this.#failPending(`the connection closed (${code})`);
    if (this.#state === 'resuming') return; // the reconnect loop sees its resume fail and retries
    if (this.#state === 'reconnecting') return;
    const lost: SignalCloseEvent = { code, reason, byClient: false, reconnectFailed: false };
    if (!this.#reconnect || !mayReconnectAfter(code)) {
      this.#finish(code, reason);
      return;
    }
    void this.#reconnectLoop(this.#reconnect, lost);
  }

  async #reconnectLoop(options: ReconnectOptions, lost: SignalCloseEvent): Promise<void> {
    this.#state = 'reconnecting';
    this.#heartbeat.stop();
    emitAll(this.#reconnectingHandlers, lost);
    const deadline = Date.now() + options.giveUpAfterMs;
    let why = 'the server could not be reached in time';
    // A cluster node that died takes its URL with it: unreachable targets rotate through the others.
    let target = this.#url;
    let movesInARow = 0;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      // A MOVED answer names a live node: go there at once (but not round and round without a pause).
      if (movesInARow === 0 || movesInARow > 3) await this.#backoff(Math.min(backoffDelay(attempt), Math.max(0, deadline - Date.now())));
      if (this.#isClosed()) return;
      let socket: WebSocket;
      try {
        socket = await openSocket(target, Math.max(1000, Math.min(REQUEST_TIMEOUT_MS, deadline - Date.now())));
      } catch {
        target = this.#nextTarget(target);
        movesInARow = 0;
        continue;
      }
      if (this.#isClosed()) {
        socket.close(1000, 'closed');
        return;
      }
      this.#socket = socket;
      this.#attach(socket);
      this.#state = 'resuming';
      this.#heartbeat.start();
      try {
        await options.resume();
      } catch (error) {
        if (this.#isClosed()) return;
        this.#heartbeat.stop();
        if (this.#socket === socket) {
          this.#detach(socket);
          socket.close(CLOSE_CODES.RECONNECTING, 'resume failed');
          this.#failPending('the resume failed');
        }
        this.#state = 'reconnecting';
        if (error instanceof SignalError && error.code === 'MOVED' && error.redirect) {
          target = error.redirect;
          movesInARow++;
          continue;
        }
        movesInARow = 0;
        if (error instanceof SignalError && isFinalRefusal(error)) {
          why = error.message;
          break;
        }
        continue;
      }
      this.#url = target;
      if (this.#isClosed()) return;
      if (this.#socket !== socket || socket.readyState !== WebSocket.OPEN) {
        // It broke again right after resuming: go round once more.
        this.#state = 'reconnecting';
        continue;
      }
      this.#state = 'open';
      emitAll(this.#reconnectedHandlers, undefined);
      return;
    }
    if (this.#isClosed()) return;
    this.#finish(lost.code, `could not reconnect: ${why}`, true);
  }

  /** The URL to try after `failed` did not answer: the current node, the entry URL, the other nodes, in turn. */
  #nextTarget(failed: string): string {
    const candidates = [...new Set([this.#url, this.#entryUrl, ...this.#fallbackUrls])];
    const index = candidates.indexOf(failed);
    return candidates[(index + 1) % candidates.length] ?? this.#url;
  }

  /** State read through a call: the reconnect loop awaits, and `close()` may run meanwhile. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #backoff(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#cancelBackoff = done;
    }).finally(() => (this.#cancelBackoff = null));
  }

  #failPending(why: string): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new SignalError('CONNECTION_CLOSED', `${pending.method} was cut off: ${why}`));
      this.#pending.delete(id);
    }
  }

  #finish(code: number, reason: string, reconnectFailed = false): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#heartbeat.stop();
    this.#cancelBackoff?.();
    globalThis.removeEventListener?.('online', this.#onOnline);
    this.#detach(this.#socket);
    this.#failPending('the connection closed');
    const event: SignalCloseEvent = { code, reason, byClient: this.#closedByClient, reconnectFailed };
    emitAll(this.#closeHandlers, event);
    this.#closeHandlers.clear();
    this.#reconnectingHandlers.clear();
    this.#reconnectedHandlers.clear();
    this.#notificationHandlers.clear();
    this.#requestHandlers.clear();
  }
}

function ignoreError(): void {}

function subscribe<H>(handlers: Set<H>, handler: H): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

function emitAll<A>(handlers: Set<(arg: A) => void>, arg: A): void {
  for (const handler of [...handlers]) {
    try {
      handler(arg);
    } catch (error) {
      console.error('signal: handler failed', error);
    }
  }
}
