/** Chat: the peer's chat data channels on the SFU, the signaling path for messages, and catching up. */
import type { SctpStreamParameters } from 'mediasoup/node/lib/types.js';
import { RequestError } from '../errors.js';
import type { HandlerMap } from '../handler.js';

export const chatHandlers: HandlerMap<'produceData' | 'consumeChat' | 'sendChat' | 'chatState'> = {
  async produceData(session, { transportId, sctpStreamParameters, label, protocol }) {
    const { peer, room } = session.member();
    const transport = peer.getTransport(transportId);
    if (transport.appData.direction !== 'send') throw new RequestError('INVALID_STATE', 'produceData needs your send transport');
    // The schema bounds every field; mediasoup checks the values (stream id in range, one reliability mode).
    const params = { sctpStreamParameters: sctpStreamParameters as SctpStreamParameters, label, protocol };
    const producer = await room.chat.addProducer(peer, transport, params);
    return { dataProducerId: producer.id };
  },

  async consumeChat(session, { transportId }) {
    const { peer, room } = session.member();
    const transport = peer.getTransport(transportId);
    if (transport.appData.direction !== 'recv') throw new RequestError('INVALID_STATE', 'consumeChat needs your receive transport');
    return room.chat.subscribe(peer, transport);
  },

  sendChat(session, message) {
    const { peer, room } = session.member();
    const result = room.chat.post(peer, message);
    if (!result.ok) {
      room.chat.noteRefusal(peer);
      throw new RequestError(result.rejection.code, result.rejection.message);
    }
    return { message: result.message };
  },

  chatState(session, { afterSeq, logId }) {
    const { room } = session.member();
    return room.chat.snapshot(afterSeq, logId);
  },
};
