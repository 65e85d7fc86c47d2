/**
 * The room's chat on the media server. Clients' chat DataProducers are read only by the server (a
 * DirectTransport DataConsumer each), and what the server accepts goes out through one DataProducer
 * of its own, which every peer consumes. So nothing a client sends reaches another client before the
 * server checked and stamped it: one place for limits, sender identity and history.
 */
import type { DataConsumer, DataProducer, DirectTransport, Router, WebRtcTransport } from 'mediasoup/node/lib/types.js';
import { CHAT_LABEL } from '../../protocol/chat.js';

/** mediasoup's default, the same as the WebRTC transports': oversized chat frames must reach the check, not die in the worker. */
const MAX_SCTP_MESSAGE_BYTES = 262_144;

export class ChatRelay {
  readonly #transport: DirectTransport;
  readonly #producer: DataProducer;

  private constructor(transport: DirectTransport, producer: DataProducer) {
    this.#transport = transport;
    this.#producer = producer;
  }

  static async create(router: Router): Promise<ChatRelay> {
    const transport = await router.createDirectTransport({ maxMessageSize: MAX_SCTP_MESSAGE_BYTES, appData: { purpose: 'chat' } });
    try {
      const producer = await transport.produceData({ label: CHAT_LABEL, appData: { purpose: 'chat-relay' } });
      return new ChatRelay(transport, producer);
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#transport.closed;
  }

  /** Delivers every frame a client's chat DataProducer sends to `onFrame`, in order. */
  async read(dataProducerId: string, onFrame: (payload: Buffer, ppid: number) => void): Promise<DataConsumer> {
    const reader = await this.#transport.consumeData({ dataProducerId, appData: { purpose: 'chat-reader' } });
    reader.on('message', onFrame);
    return reader;
  }

  /** A DataConsumer of the relay on a peer's receive transport: ordered and reliable, like the chat itself. */
  subscribe(transport: WebRtcTransport): Promise<DataConsumer> {
    return transport.consumeData({ dataProducerId: this.#producer.id, ordered: true, appData: { purpose: 'chat-subscription' } });
  }

  /** Sends one stamped message (JSON text) to every subscribed peer. */
  broadcast(json: string): void {
    if (!this.#producer.closed) this.#producer.send(json);
  }

  /** Closes the DirectTransport, and with it the relay producer and every reader. Idempotent. */
  close(): void {
    this.#transport.close();
  }
}
