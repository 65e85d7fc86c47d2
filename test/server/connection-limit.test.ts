/**
 * MAX_CONNECTIONS_PER_IP: one address cannot hold more signaling sockets than the cap; the extra one is
 * closed with 4005 TOO_MANY_CONNECTIONS, and a slot frees up when a socket closes. The address comes
 * from X-Forwarded-For only when the connection comes from a trusted proxy (TRUST_PROXY).
 */
import t from 'tap';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

interface Opened {
  socket: WebSocket;
  closed: () => { code: number; reason: string } | undefined;
  /** Whether the server answers a ping request on it. */
  answers: () => Promise<boolean>;
}

async function open(url: string, forwardedFor?: string): Promise<Opened> {
  const socket = new WebSocket(url, forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {});
  let closed: { code: number; reason: string } | undefined;
  const messages: string[] = [];
  socket.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
  socket.on('message', (data) => messages.push(String(data)));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('open', resolve));
  let id = 0;
  return {
    socket,
    closed: () => closed,
    async answers() {
      const mine = ++id;
      socket.send(JSON.stringify({ kind: 'request', id: mine, method: 'ping', data: {} }));
      return waitFor(() => closed === undefined && messages.some((m) => JSON.parse(m).id === mine), { message: `ping ${mine} answered` })
        .then(() => true)
        .catch(() => false);
    },
  };
}

t.test('the socket over the cap is closed with 4005; closing one makes room', async (t) => {
  const server = await startServer({ maxConnectionsPerIp: 3 });
  t.teardown(() => server.close());
  const sockets = [await open(server.wsUrl), await open(server.wsUrl), await open(server.wsUrl)];
  t.teardown(() => sockets.forEach((s) => s.socket.close()));
  for (const [index, s] of sockets.entries()) t.ok(await s.answers(), `socket ${index + 1} of 3 works`);

  const extra = await open(server.wsUrl);
  await waitFor(() => extra.closed(), { message: 'the fourth socket is closed' });
  t.equal(extra.closed()?.code, CLOSE_CODES.TOO_MANY_CONNECTIONS, 'with TOO_MANY_CONNECTIONS');
  t.match(extra.closed()?.reason, /too many connections/);
  t.ok(await sockets[0]!.answers(), 'the first three are unaffected');

  sockets[2]!.socket.close();
  await waitFor(() => sockets[2]!.closed(), { message: 'one socket closed' });
  const replacement = await waitFor(
    async () => {
      const s = await open(server.wsUrl);
      if (await s.answers()) return s;
      return undefined;
    },
    { message: 'a new socket is accepted once one has closed' },
  );
  t.teardown(() => replacement.socket.close());
  t.pass('a new socket fits again');
});

t.test('X-Forwarded-For from an untrusted client does not dodge the cap', async (t) => {
  const server = await startServer({ maxConnectionsPerIp: 2, trustProxy: false });
  t.teardown(() => server.close());
  const a = await open(server.wsUrl, '203.0.113.1');
  const b = await open(server.wsUrl, '203.0.113.2');
  t.teardown(() => { a.socket.close(); b.socket.close(); });
  const c = await open(server.wsUrl, '203.0.113.3');
  await waitFor(() => c.closed(), { message: 'the third socket is closed although it claims another address' });
  t.equal(c.closed()?.code, CLOSE_CODES.TOO_MANY_CONNECTIONS);
});

t.test('behind a trusted proxy, each forwarded client address has its own cap', async (t) => {
  // The test connects from 127.0.0.1, which TRUST_PROXY=loopback (the default) treats as the proxy.
  const server = await startServer({ maxConnectionsPerIp: 1, trustProxy: 'loopback' });
  t.teardown(() => server.close());
  const a = await open(server.wsUrl, '203.0.113.1');
  const b = await open(server.wsUrl, '203.0.113.2');
  t.teardown(() => { a.socket.close(); b.socket.close(); });
  t.ok(await a.answers(), 'client 1 is in');
  t.ok(await b.answers(), 'client 2, behind the same proxy, is in too');
  const again = await open(server.wsUrl, '203.0.113.1');
  await waitFor(() => again.closed(), { message: "client 1's second socket is closed" });
  t.equal(again.closed()?.code, CLOSE_CODES.TOO_MANY_CONNECTIONS);
});
