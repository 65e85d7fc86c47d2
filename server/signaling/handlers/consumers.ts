/** What a peer receives: pause what it doesn't show, choose the simulcast layer that fits its tile. */
import type { HandlerMap } from '../handler.js';

export const consumerHandlers: HandlerMap<'pauseConsumer' | 'resumeConsumer' | 'setConsumerPreferredLayers'> = {
  async pauseConsumer(session, { consumerId }) {
    const { peer } = session.member();
    await peer.getConsumer(consumerId).pause();
    return {};
  },

  async resumeConsumer(session, { consumerId }) {
    const { peer } = session.member();
    await peer.getConsumer(consumerId).resume();
    return {};
  },

  async setConsumerPreferredLayers(session, { consumerId, spatialLayer, temporalLayer }) {
    const { peer } = session.member();
    await peer.getConsumer(consumerId).setPreferredLayers({
      spatialLayer,
      ...(temporalLayer === undefined ? {} : { temporalLayer }),
    });
    return {};
  },
};
