/**
 * A client too slow to answer `newConsumer` in time (a phone, a tab starved of CPU) loses that offer —
 * the server closes the consumer rather than keep one nobody plays — but is offered the track again a
 * little later, so it does not stay without that person's voice or video for the rest of the call.
 * Real worker, real WebSockets; the slow client is the app's SignalClient that ignores one request.
 */
import t from 'tap';
import { REQUEST_TIMEOUT_MS } from '../../protocol/limits.js';
import { startFakePair } from '../helpers/fake-pair.js';
import { waitFor } from '../helpers/wait.js';

t.test('an unanswered newConsumer is offered again, and the slow client then receives the track', async (t) => {
  const { server, alice, bob } = await startFakePair(t, 'slow');
  bob.ignoreNewConsumers = 1;
  await alice.produce('mic');

  const serverBob = () => server.app.rooms.rooms.get('slow')?.peers.get(bob.peerId);
  await waitFor(() => bob.notifications.consumerClosed.length === 1, {
    timeout: REQUEST_TIMEOUT_MS + 10_000,
    message: 'the server to give up on the unanswered offer and say so',
  });
  t.equal(bob.consumersFrom(alice.peerId).length, 0, 'the first offer went unanswered');

  await waitFor(() => bob.consumersFrom(alice.peerId).length === 1, {
    timeout: 15_000,
    message: "Bob to be offered Alice's microphone again and take it",
  });
  const consumers = [...(serverBob()?.consumers.values() ?? [])];
  t.equal(consumers.length, 1, 'the server holds exactly one consumer for Bob');
  await waitFor(() => consumers[0]?.paused === false, { message: 'the consumer to be resumed once Bob answered' });
  t.equal(consumers[0]?.producerId, alice.producers.get('mic')?.id, "it carries Alice's microphone");
});

t.test('no offer again once the producer is gone', async (t) => {
  const { alice, bob } = await startFakePair(t, 'gone');
  bob.ignoreNewConsumers = 1;
  const mic = await alice.produce('mic');
  await waitFor(() => bob.notifications.consumerClosed.length === 1, {
    timeout: REQUEST_TIMEOUT_MS + 10_000,
    message: 'the server to give up on the unanswered offer',
  });
  mic.close();
  await alice.signal.request('closeProducer', { producerId: mic.id });
  // A camera produced after the mic closed is offered (and taken) after the mic's re-offer was due:
  // by then Bob would have been offered the mic again if the server did not check.
  const closedAt = Date.now();
  await waitFor(() => Date.now() - closedAt >= 2_500, { message: "the mic's re-offer to fall due" });
  await alice.produce('camera');
  await waitFor(() => bob.consumersFrom(alice.peerId).length === 1, { message: "Bob to take Alice's camera" });
  t.same(bob.consumersFrom(alice.peerId).map((remote) => remote.info.source), ['camera'], 'only the camera, never the closed mic');
});
