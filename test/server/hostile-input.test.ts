/**
 * Bad input gets a clear error and loses nothing: the socket stays open for mistakes, closes for abuse,
 * and no peer can touch another peer's objects.
 */
import t from 'tap';
import { MAX_FRAME_BYTES, MAX_MESSAGE_BYTES } from '../../protocol/limits.js';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

t.test('malformed messages get errors and the socket keeps working', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const raw = await RawSocket.open(server.wsUrl);
  t.teardown(() => raw.close());

  let mark = raw.received.length;
  raw.send('{not json');
  t.match((await raw.errorNotification(mark)).data, { code: 'BAD_REQUEST', message: /not valid JSON/ });

  mark = raw.received.length;
  raw.send(Buffer.from([1, 2, 3]));
  t.match((await raw.errorNotification(mark)).data, { code: 'BAD_REQUEST', message: /binary/ });

  mark = raw.received.length;
  raw.send(JSON.stringify({ kind: 'request', id: 1, method: 'join', data: { pad: 'x'.repeat(MAX_MESSAGE_BYTES) } }));
  t.match((await raw.errorNotification(mark)).data, { code: 'TOO_LARGE' });

  raw.send(JSON.stringify({ kind: 'request', id: 2, method: 'join' }));
  t.match(await raw.response(2), { ok: false, error: { code: 'BAD_REQUEST', message: /malformed/ } });

  t.match(await raw.request('selfDestruct', {}), { ok: false, error: { code: 'BAD_REQUEST', message: /unknown method "selfDestruct"/ } });
  t.match(await raw.request('createTransport', { direction: 'send' }), { ok: false, error: { code: 'NOT_JOINED' } });
  t.match(await raw.request('join', { roomId: 'a b', displayName: 'x' }), { ok: false, error: { code: 'BAD_REQUEST', message: /roomId/ } });
  t.match(await raw.request('join', { roomId: 'ok', displayName: '<img src=x onerror=alert(1)>' }), { ok: true }, 'any text is a valid name');
  t.match(await raw.request('join', { roomId: 'ok', displayName: 'again' }), { ok: false, error: { code: 'ALREADY_JOINED' } });
  t.match(await raw.request('createTransport', { direction: 'send' }), { ok: true }, 'still works after all that');
  t.match(await raw.request('createTransport', { direction: 'send' }), { ok: false, error: { code: 'INVALID_STATE' } }, 'one send transport');
  t.equal(raw.closeEvent, undefined, 'the socket is still open');
});

t.test('a frame over the hard cap closes only that socket', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const bystander = await FakePeer.join(server.wsUrl, 'r', 'Bystander', { media: false });
  t.teardown(() => bystander.close());
  const raw = await RawSocket.open(server.wsUrl);
  raw.send('x'.repeat(MAX_FRAME_BYTES + 1));
  await waitFor(() => raw.closeEvent, { message: 'the oversized socket is closed' });
  t.equal(raw.closeEvent?.code, 1009, 'closed as "message too big"');
  t.ok(await bystander.signal.request('createTransport', { direction: 'recv' }), 'others are unaffected');
});

t.test('a flood is rate limited, then the socket is closed', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const bystander = await FakePeer.join(server.wsUrl, 'r', 'Bystander', { media: false });
  t.teardown(() => bystander.close());
  const raw = await RawSocket.open(server.wsUrl);
  t.match(await raw.request('join', { roomId: 'r', displayName: 'Flood' }), { ok: true });
  for (let i = 0; i < 1000 && raw.socket.readyState === raw.socket.OPEN; i++) {
    raw.send(JSON.stringify({ kind: 'request', id: i, method: 'restartIce', data: { transportId: 'nope' } }));
  }
  await waitFor(() => raw.closeEvent, { message: 'the flooding socket is closed' });
  t.ok(
    raw.received.some((m) => m.method === 'error' && (m.data as { code?: string }).code === 'RATE_LIMITED'),
    'it was told to slow down first',
  );
  t.equal(raw.closeEvent?.code, CLOSE_CODES.PROTOCOL_ERROR);
  await waitFor(() => bystander.notifications.peerLeft.length === 1, { message: 'the flooder left the room' });
  t.ok(await bystander.signal.request('createTransport', { direction: 'recv' }), 'the bystander carries on');
});

t.test("a peer cannot touch another peer's objects", async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const alice = await FakePeer.join(server.wsUrl, 'r', 'Alice');
  const mallory = await FakePeer.join(server.wsUrl, 'r', 'Mallory');
  t.teardown(() => { alice.close(); mallory.close(); });
  const camera = await alice.produce('camera');
  await mallory.produce('mic');
  await waitFor(() => alice.consumers.size === 1, { message: "Alice consumes Mallory's mic" });
  const [aliceConsumerId] = [...alice.consumers.keys()];
  const attempts: Array<[string, Record<string, unknown>]> = [
    ['connectTransport', { transportId: alice.sendTransport!.id, dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } }],
    ['restartIce', { transportId: alice.recvTransport!.id }],
    ['produce', { transportId: alice.sendTransport!.id, kind: 'video', rtpParameters: camera.rtpParameters, source: 'screen' }],
    ['pauseProducer', { producerId: camera.id }],
    ['closeProducer', { producerId: camera.id }],
    ['pauseConsumer', { consumerId: aliceConsumerId }],
    ['setConsumerPreferredLayers', { consumerId: aliceConsumerId, spatialLayer: 0 }],
  ];
  for (const [method, data] of attempts) {
    await t.rejects(mallory.signal.request(method as 'restartIce', data as never), { code: 'NOT_FOUND' }, `${method} on Alice's object`);
  }
  const serverProducer = server.app.rooms.rooms.get('r')!.peers.get(alice.peerId)!.producers.get(camera.id);
  t.ok(serverProducer && !serverProducer.closed && !serverProducer.paused, "Alice's camera is untouched");

  await t.rejects(
    mallory.signal.request('produce', { transportId: mallory.sendTransport!.id, kind: 'video', rtpParameters: camera.rtpParameters, source: 'mic' }),
    { code: 'BAD_REQUEST', message: /mic carries audio/ },
    'a source must match its kind',
  );
});
