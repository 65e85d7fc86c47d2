/**
 * A TCP proxy on 127.0.0.1 in front of the server, to break the network between a client and the
 * server the way real networks break: `cut()` resets every connection (both ends see the socket die
 * without a closing handshake, WebSocket code 1006); `freeze()` silently drops all traffic of the open
 * connections while they stay open (Wi-Fi gone, NAT entry expired) until one side's heartbeat notices,
 * while new connections work (the phone found another network); `block()` refuses new connections
 * (the network is down) until `unblock()`.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpProxy {
  readonly #server: net.Server;
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  readonly #frozen = new WeakSet<net.Socket>();
  #blocked = false;
  /** Connections accepted so far (a reconnect shows up as a new one). */
  connections = 0;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  /** Listens on an ephemeral port of 127.0.0.1 and forwards to `targetPort` there. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => proxy.#accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Resets every open connection; new connections are accepted as before. */
  cut(): void {
    for (const [client, upstream] of this.#pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.#pairs.clear();
  }

  /** From now on, every byte of the connections open now is dropped, in both directions. */
  freeze(): void {
    for (const [client, upstream] of this.#pairs) {
      this.#frozen.add(client);
      this.#frozen.add(upstream);
    }
  }

  /** Cuts every connection and resets new ones at once, until `unblock()`. */
  block(): void {
    this.#blocked = true;
    this.cut();
  }

  unblock(): void {
    this.#blocked = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket, targetPort: number): void {
    if (this.#blocked) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    this.connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.#pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        // A frozen network loses what is sent into it; nothing is buffered for later.
        if (!this.#frozen.has(from) && !to.destroyed) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}
