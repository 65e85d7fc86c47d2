/**
 * The signaling socket: typed requests with timeouts, typed notifications, and answers to the requests
 * the server sends (e.g. `newConsumer`). It knows nothing about rooms or media.
 */
import { REQUEST_TIMEOUT_MS } from '../../../protocol/limits.js';
import type { ClientRequestInput, ClientRequestMethod, ClientResponseData } from '../../../protocol/requests.js';
import type {
  ServerNotificationMethod,
  ServerNotifications,
  ServerRequestMethod,
  ServerRequests,
} from '../../../protocol/server-messages.js';
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

/** The signaling endpoint on the page's own origin, `wss:` when the page came over https. */
export function defaultSignalUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

export class SignalClient {
  readonly #socket: WebSocket;
  #nextRequestId = 1;
  readonly #pending = new Map<number, PendingRequest>();
  // Handlers are stored untyped per method; `on` and `handle` are the typed doors in.
  readonly #notificationHandlers = new Map<string, Set<(data: unknown) => void>>();
  readonly #requestHandlers = new Map<string, (data: unknown) => Promise<unknown>>();
  readonly #closeHandlers = new Set<CloseHandler>();
  #closed = false;
  #closedByClient = false;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', this.#onMessage);
    socket.addEventListener('close', this.#onClose);
  }

  /**
   * Opens the socket; rejects if it closes before it opens (server down, proxy refusing, ...) or does
   * not open within REQUEST_TIMEOUT_MS (a black-holed network would otherwise hang the join).
   */
  static connect(url: string = defaultSignalUrl()): Promise<SignalClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const settle = (): void => {
        clearTimeout(timer);
        socket.removeEventListener('open', onOpen);
        socket.removeEventListener('close', onEarlyClose);
      };
      const onOpen = (): void => {
        settle();
        resolve(new SignalClient(socket));
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
      }, REQUEST_TIMEOUT_MS);
      socket.addEventListener('open', onOpen);
      socket.addEventListener('close', onEarlyClose);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request and resolves with its response data; rejects with a SignalError. */
  request<M extends ClientRequestMethod>(method: M, data: ClientRequestInput<M>): Promise<ClientResponseData[M]> {
    if (this.#closed) {
      return Promise.reject(new SignalError('CONNECTION_CLOSED', `cannot send ${method}: the connection is closed`));
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

  /** Called once when the socket ends, whoever ended it. Returns the unsubscribe function. */
  onClose(handler: CloseHandler): () => void {
    this.#closeHandlers.add(handler);
    return () => this.#closeHandlers.delete(handler);
  }

  /** Closes the socket; pending requests fail with CONNECTION_CLOSED. Idempotent. */
  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    this.#closedByClient = true;
    this.#socket.close(code, reason);
    // The browser fires `close` only after the closing handshake; the app must not wait for it.
    this.#finish(code, reason);
  }

  #send(message: object): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    this.#socket.send(JSON.stringify(message));
  }

  readonly #onMessage = (event: MessageEvent): void => {
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
        else pending.reject(new SignalError(message.error.code, message.error.message));
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
        void this.#answer(message.id, message.method, message.data);
        return;
    }
  }

  async #answer(id: number, method: string, data: unknown): Promise<void> {
    const handler = this.#requestHandlers.get(method);
    if (!handler) {
      this.#send({ kind: 'response', id, ok: false, error: { code: 'INTERNAL', message: `no handler for ${method}` } });
      return;
    }
    try {
      const answer = await handler(data);
      this.#send({ kind: 'response', id, ok: true, data: answer ?? {} });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`signal: ${method} handler failed`, error);
      this.#send({ kind: 'response', id, ok: false, error: { code: 'INTERNAL', message: message.slice(0, 1000) } });
    }
  }

  readonly #onClose = (event: CloseEvent): void => {
    this.#finish(event.code, event.reason);
  };

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.removeEventListener('message', this.#onMessage);
    this.#socket.removeEventListener('close', this.#onClose);
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new SignalError('CONNECTION_CLOSED', `${pending.method} was cut off: the connection closed`));
      this.#pending.delete(id);
    }
    const event: SignalCloseEvent = { code, reason, byClient: this.#closedByClient };
    for (const handler of [...this.#closeHandlers]) {
      try {
        handler(event);
      } catch (error) {
        console.error('signal: close handler failed', error);
      }
    }
    this.#closeHandlers.clear();
    this.#notificationHandlers.clear();
    this.#requestHandlers.clear();
  }
}
