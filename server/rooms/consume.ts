/**
 * Sending one peer's producer to another peer: the consumer starts paused on the server, the client
 * is asked (`newConsumer`) to set it up, and only once it answers is the consumer resumed, so no
 * keyframe is spent before anyone can play it. A consumer the client never takes is closed; the room
 * offers it again later if the client was only too slow to answer (room.ts).
 */
import type { Router } from 'mediasoup/node/lib/types.js';
import { toWire } from '../media/wire.js';
import type { ConsumerAppData, Peer } from './peer.js';

/** taken: the client plays it; unanswered: the client did not answer in time; skipped: anything else. */
export type ConsumeOutcome = 'taken' | 'unanswered' | 'skipped';

/** When a track a client did not take in time is offered again (after each unanswered offer). */
const REOFFER_DELAYS_MS = [2_000, 5_000, 15_000];

/**
 * Offers the producer (consumeProducer). The answer is awaited outside the room's queue: one slow
 * client must not hold up the room. A client that did not answer in time (a slow phone, a tab starved
 * of CPU) is offered the track again a little later, a few times, rather than left without that
 * person's video or voice for the rest of the call. `router`: the room's current one (a worker death
 * replaces it); `inRoom`: both are still in the room.
 */
export async function offerProducer(
  router: () => Router,
  consumerPeer: Peer,
  producerPeer: Peer,
  producerId: string,
  inRoom: () => boolean,
  attempt = 0,
): Promise<void> {
  const outcome = await consumeProducer(router(), consumerPeer, producerPeer, producerId);
  const delay = REOFFER_DELAYS_MS[attempt];
  if (outcome !== 'unanswered' || delay === undefined) return;
  consumerPeer.logger.info({ producerId, inMs: delay }, 'offering the consumer again');
  const timer = setTimeout(() => {
    // consumeProducer skips a closed peer or a producer that is gone; a track taken meanwhile (a
    // resume re-offers what a peer misses) must not be sent twice.
    const wanted = inRoom() && ![...consumerPeer.consumers.values()].some((consumer) => consumer.producerId === producerId);
    if (wanted) void offerProducer(router, consumerPeer, producerPeer, producerId, inRoom, attempt + 1);
  }, delay);
  timer.unref();
}

export async function consumeProducer(router: Router, consumerPeer: Peer, producerPeer: Peer, producerId: string): Promise<ConsumeOutcome> {
  const producer = producerPeer.producers.get(producerId);
  const transport = consumerPeer.transportFor('recv');
  const rtpCapabilities = consumerPeer.rtpCapabilities;
  // A detached peer could not answer `newConsumer`; it gets what it missed when it resumes.
  if (!producer || !transport || !rtpCapabilities || consumerPeer.closed || consumerPeer.detached) return 'skipped';
  // Its token does not let it receive media (a publish-only speaker, a bot).
  if (!consumerPeer.grants.subscribe) return 'skipped';
  if (!router.canConsume({ producerId, rtpCapabilities })) {
    consumerPeer.logger.warn({ producerId }, 'cannot consume: no common codec');
    return 'skipped';
  }
  let consumer;
  try {
    consumer = await transport.consume<ConsumerAppData>({
      producerId,
      rtpCapabilities,
      paused: true,
      appData: { peerId: consumerPeer.id, producerPeerId: producerPeer.id, source: producer.appData.source },
    });
  } catch (error) {
    if (!consumerPeer.closed && !producer.closed) consumerPeer.logger.error({ err: error, producerId }, 'consume failed');
    return 'skipped';
  }
  consumerPeer.addConsumer(consumer);
  try {
    await consumerPeer.channel.request('newConsumer', {
      peerId: producerPeer.id,
      producerId,
      consumerId: consumer.id,
      kind: consumer.kind,
      source: producer.appData.source,
      rtpParameters: toWire(consumer.rtpParameters),
      type: consumer.type,
      producerPaused: consumer.producerPaused,
      ...(producer.appData.videoSize ? { videoSize: producer.appData.videoSize } : {}),
    });
    if (!consumer.closed) await consumer.resume();
    return 'taken';
  } catch (error) {
    // The client could not set it up (or is gone): a consumer nobody plays only wastes bandwidth.
    if (!consumer.closed) {
      consumerPeer.logger.warn({ err: error, consumerId: consumer.id }, 'client did not take consumer; closing it');
      consumer.close();
      consumerPeer.consumers.delete(consumer.id);
      // A slow client may still set it up after the timeout: without this it would keep a tile that
      // nothing feeds and that no producer close would ever remove.
      if (!consumerPeer.closed) consumerPeer.channel.notify('consumerClosed', { consumerId: consumer.id });
    }
    const timedOut = (error as { code?: unknown }).code === 'TIMEOUT';
    return timedOut && !consumerPeer.closed ? 'unanswered' : 'skipped';
  }
}
