/** WebRTC transports: at most one for sending and one for receiving per peer. */
import { toWire, toWireIceCandidates } from '../../media/wire.js';
import type { HandlerMap } from '../handler.js';

export const transportHandlers: HandlerMap<'createTransport' | 'connectTransport' | 'restartIce'> = {
  async createTransport(session, { direction, sctp }) {
    const { peer, room } = session.member();
    const transport = await room.createTransport(peer, direction, sctp);
    return {
      transportId: transport.id,
      iceParameters: toWire(transport.iceParameters),
      iceCandidates: toWireIceCandidates(transport.iceCandidates),
      dtlsParameters: toWire(transport.dtlsParameters),
      ...(transport.sctpParameters ? { sctpParameters: toWire(transport.sctpParameters) } : {}),
    };
  },

  async connectTransport(session, { transportId, dtlsParameters }) {
    const { peer } = session.member();
    await peer.getTransport(transportId).connect({ dtlsParameters });
    return {};
  },

  async restartIce(session, { transportId }) {
    const { peer } = session.member();
    const iceParameters = await peer.getTransport(transportId).restartIce();
    return { iceParameters: toWire(iceParameters) };
  },
};
