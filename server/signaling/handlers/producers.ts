/** A peer's own outgoing tracks: create, mute (pause), unmute (resume), stop (close). */
import type { HandlerMap } from '../handler.js';

export const producerHandlers: HandlerMap<'produce' | 'closeProducer' | 'pauseProducer' | 'resumeProducer'> = {
  async produce(session, data) {
    const { peer, room } = session.member();
    const producerId = await room.produce(peer, data);
    return { producerId };
  },

  closeProducer(session, { producerId }) {
    const { peer } = session.member();
    const producer = peer.getProducer(producerId);
    producer.close();
    peer.producers.delete(producerId);
    peer.logger.info({ producerId }, 'producer closed by client');
    return {};
  },

  async pauseProducer(session, { producerId }) {
    const { peer } = session.member();
    await peer.getProducer(producerId).pause();
    return {};
  },

  async resumeProducer(session, { producerId }) {
    const { peer } = session.member();
    await peer.getProducer(producerId).resume();
    return {};
  },
};
