/**
 * A bare WebSocket that sends whatever it is given, for hostile-input tests: the well-behaved
 * SignalClient would refuse to send most of it.
 */
import WebSocket from 'ws';
import { waitFor } from './wait.js';

export interface Received {
  kind: string;
  id?: number;
  method?: string;
  ok?: boolean;
  data?: unknown;
  error?: { code: string; message: string };
}

export class RawSocket {
  readonly socket: WebSocket;
  readonly received: Received[] = [];
  closeEvent: { code: number; reason: string } | undefined;
  #nextId = 1000;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => this.received.push(JSON.parse(String(data)) as Received));
    socket.on('close', (code, reason) => (this.closeEvent = { code, reason: reason.toString() }));
  }

  static async open(url: string): Promise<RawSocket> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new RawSocket(socket);
  }

  send(payload: string | Buffer): void {
    this.socket.send(payload);
  }

  /** Sends a request and waits for its response. */
  async request(method: string, data: unknown): Promise<Received> {
    const id = this.#nextId++;
    this.send(JSON.stringify({ kind: 'request', id, method, data }));
    return this.response(id);
  }

  response(id: number): Promise<Received> {
    return waitFor(() => this.received.find((m) => m.kind === 'response' && m.id === id), { message: `response ${id}` });
  }

  /** Waits for the next `error` notification after `after` messages. */
  errorNotification(after: number): Promise<Received> {
    return waitFor(() => this.received.slice(after).find((m) => m.kind === 'notification' && m.method === 'error'), {
      message: 'an error notification',
    });
  }

  close(): void {
    this.socket.close();
  }
}
