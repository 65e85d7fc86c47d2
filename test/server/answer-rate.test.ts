/**
 * The per-connection rate limit counts what a client does, not what the server asks of it. A participant
 * who only sits in a busy room answers one `newConsumer` per track anyone starts; charging those answers
 * once made both long-staying people of test/server/churn.test.ts "flood", get cut off as hostile
 * (PROTOCOL_ERROR, no reconnect) and leave, so every newcomer after that saw nobody. The limit here is
 * tiny so that a handful of joins is a busy room.
 */
import t from 'tap';
import { FakePeer } from '../helpers/fake-peer.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/** No pings of its own while a test counts its messages. */
const QUIET = { heartbeat: { pingIntervalMs: 600_000, pongTimeoutMs: 600_000 } };

t.test('answering the server keeps a participant in a busy room, however many tracks start', async (t) => {
  // Ten messages, then about one every ten seconds; the fifth rejected message in a minute cuts a client off.
  const server = await startServer({}, { signaling: { connection: { rate: { burst: 10, perSecond: 0.1 }, maxRejectsPerMinute: 4 } } });
  t.teardown(() => server.close());
  // join, two transports, capabilities, and connecting the receive transport: five of its ten.
  const watcher = await FakePeer.join(server.wsUrl, 'busy', 'Watcher', QUIET);
  t.teardown(() => watcher.close());
  const others: FakePeer[] = [];
  t.teardown(() => others.forEach((other) => other.close()));
  for (let i = 0; i < 8; i++) {
    // Each one joins, sends mic and camera, and goes: sixteen tracks for the watcher to answer.
    const other = await FakePeer.join(server.wsUrl, 'busy', `Visitor ${i}`, QUIET);
    others.push(other);
    await other.produce('mic');
    await other.produce('camera');
  }
  await waitFor(
    () => {
      const missing = others.filter((other) => watcher.consumersFrom(other.peerId).length !== 2).length;
      if (watcher.signal.closed) throw new Error('its connection was closed');
      if (missing) throw new Error(`${missing} of 8 visitors' tracks missing`);
      return true;
    },
    { message: 'the watcher receives all 16 tracks', timeout: 30_000 },
  );
  t.equal(watcher.notifications.error.length, 0, 'none of its answers was refused');
  t.equal(watcher.signal.state, 'open', 'it is still connected');
  t.ok(server.app.rooms.rooms.get('busy')?.peers.has(watcher.peerId), 'and still in the room on the server');
});

t.test('the credit is one message per request awaiting its answer, and cannot be saved up', async (t) => {
  const server = await startServer({}, { signaling: { connection: { rate: { burst: 10, perSecond: 0.001 }, maxRejectsPerMinute: 1000 } } });
  t.teardown(() => server.close());
  // join, two transports, capabilities: four of its ten. It never answers `newConsumer`.
  const mute = await FakePeer.join(server.wsUrl, 'r', 'Silent', QUIET);
  t.teardown(() => mute.close());
  mute.signal.handle('newConsumer', () => new Promise(() => undefined));
  const sender = await FakePeer.join(server.wsUrl, 'r', 'Sender', QUIET);
  t.teardown(() => sender.close());
  await sender.produce('mic');
  await sender.produce('camera');
  // Two `newConsumer` requests are now awaiting its answer: two messages on credit, six tokens left.
  await waitFor(() => server.app.rooms.rooms.get('r')?.peers.get(mute.peerId)?.consumers.size === 2, {
    message: 'two consumers wait for the silent client',
  });
  const pings = Array.from({ length: 20 }, () => mute.signal.request('ping', {}).then(() => 'answered', () => 'failed'));
  await waitFor(() => mute.notifications.error.length === 12, {
    message: '12 of 20 pings refused',
    timeout: 15_000,
  });
  t.ok(mute.notifications.error.every((error) => error.code === 'RATE_LIMITED'), 'refused as rate limited');
  const answered = (await Promise.all(pings.slice(0, 8))).filter((outcome) => outcome === 'answered').length;
  t.equal(answered, 8, 'the first eight (two on credit, six tokens) were answered');
});
