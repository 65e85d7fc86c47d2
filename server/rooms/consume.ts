/**
 * Sending one peer's producer to another peer: the consumer starts paused on the server, the client
 * is asked (`newConsumer`) to set it up, and only once it answers is the consumer resumed, so no
 * keyframe is spent before anyone can play it. A consumer the client never takes is closed.
 */
import type { Router } from 'mediasoup/node/lib/types.js';
import { toWire } from '../media/wire.js';
import type { ConsumerAppData, Peer } from './peer.js';

export async function consumeProducer(router: Router, consumerPeer: Peer, producerPeer: Peer, producerId: string): Promise<void> {
  const producer = producerPeer.producers.get(producerId);
  const transport = consumerPeer.transportFor('recv');
  const rtpCapabilities = consumerPeer.rtpCapabilities;
  // A detached peer could not answer `newConsumer`; it gets what it missed when it resumes.
  if (!producer || !transport || !rtpCapabilities || consumerPeer.closed || consumerPeer.detached) return;
  // Its token does not let it receive media (a publish-only speaker, a bot).
  if (!consumerPeer.grants.subscribe) return;
  if (!router.canConsume({ producerId, rtpCapabilities })) {
    consumerPeer.logger.warn({ producerId }, 'cannot consume: no common codec');
    return;
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
    return;
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
  }
}
