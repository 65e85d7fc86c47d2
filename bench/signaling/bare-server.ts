/**
 * The baseline for the signaling scale benchmark: a bare `ws` server that answers every request with
 * an empty success, no validation, no rooms. Run in its own process by bare-baseline.ts, under the
 * same load as Shouwang, it shows what the machine and the WebSocket layer alone cost, so the report
 * can say how much of a latency or of the memory per peer is Shouwang's.
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 });
server.on('connection', (socket) => {
  socket.on('message', (raw) => {
    const message = JSON.parse(String(raw)) as { kind?: string; id?: number };
    if (message.kind === 'request') socket.send(JSON.stringify({ kind: 'response', id: message.id, ok: true, data: {} }));
  });
});
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) process.send?.({ port: address.port });
});
process.on('disconnect', () => {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
});
