/**
 * One signaling-only participant for load generation: a bare `ws` socket speaking the real protocol
 * (protocol/envelope.ts), timing each request from send to answer. Much lighter than the app's
 * SignalClient (no reconnect, no heartbeat of its own), so one process can drive thousands; `ws`
 * answers the server's pings by itself, as a browser does.
 */
import WebSocket from 'ws';
import type { ClientRequestInput, ClientRequestMethod, ClientResponseData } from '../../protocol/requests.js';
import type { Message } from '../../protocol/envelope.js';

interface Pending {
  sentAt: number;
  resolve: (answer: { data: unknown; ms: number }) => void;
  reject: (error: Error) => void;
}

export class BenchPeer {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;
  /** Notifications received (peerJoined, peerLeft, p2p...): proof the room fan-out happened. */
  notifications = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (raw) => this.#onMessage(String(raw)));
    socket.on('close', (code, reason) => this.#fail(new Error(`socket closed: ${code} ${reason.toString()}`)));
    socket.on('error', (error) => this.#fail(error));
  }

  /** Opens the socket; resolves with the peer and how long the WebSocket handshake took. */
  static connect(url: string): Promise<{ peer: BenchPeer; ms: number }> {
    const started = performance.now();
    const socket = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve({ peer: new BenchPeer(socket), ms: performance.now() - started }));
      socket.once('error', reject);
    });
  }

  /** Sends one request; resolves with the answer's data and the round trip in ms, rejects on an error answer. */
  request<M extends ClientRequestMethod>(method: M, data: ClientRequestInput<M>): Promise<{ data: ClientResponseData[M]; ms: number }> {
    if (this.#closed) return Promise.reject(new Error('socket closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { sentAt: performance.now(), resolve: resolve as Pending['resolve'], reject });
      this.#socket.send(JSON.stringify({ kind: 'request', id, method, data }));
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket.close();
  }

  #onMessage(text: string): void {
    const message = JSON.parse(text) as Message;
    if (message.kind === 'notification') {
      this.notifications++;
      return;
    }
    if (message.kind === 'request') {
      // Signaling-only peers never declare capabilities, so the server has nothing to ask them.
      this.#socket.send(JSON.stringify({ kind: 'response', id: message.id, ok: false, error: { code: 'BAD_REQUEST', message: 'no media' } }));
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve({ data: message.data, ms: performance.now() - pending.sentAt });
    else pending.reject(new Error(`${message.error.code}: ${message.error.message}`));
  }

  #fail(error: Error): void {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
