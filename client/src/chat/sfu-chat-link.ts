/**
 * The chat link through the SFU: this client's chat DataProducer (read only by the server) and its
 * DataConsumer of the room's relay (everything the server accepted, stamped, this client's own
 * messages included: that copy is the acknowledgement).
 */
import type { DataConsumer, DataProducer, Transport } from 'mediasoup-client/types';
import { CHAT_LABEL } from '../../../protocol/chat.js';
import type { SignalClient } from '../signal/signal-client.js';
import { Emitter } from '../util/emitter.js';
import type { ChatLink, ChatLinkEvents } from './chat-link.js';

export class SfuChatLink implements ChatLink {
  readonly kind = 'server';
  readonly remotePeerId = null;
  readonly events = new Emitter<ChatLinkEvents>();
  readonly #producer: DataProducer;
  readonly #consumer: DataConsumer;
  #closed = false;

  /**
   * Opens both halves. The send transport's `producedata` handler (the media session's) tells the
   * server about the DataProducer; the relay's DataConsumer is asked for by `consumeChat`.
   */
  static async open(signal: SignalClient, sendTransport: Transport, recvTransport: Transport): Promise<SfuChatLink> {
    const producer = await sendTransport.produceData({ label: CHAT_LABEL, ordered: true });
    try {
      const options = await signal.request('consumeChat', { transportId: recvTransport.id });
      const consumer = await recvTransport.consumeData({
        id: options.dataConsumerId,
        dataProducerId: options.dataProducerId,
        sctpStreamParameters: options.sctpStreamParameters,
        label: options.label,
        protocol: options.protocol,
      });
      return new SfuChatLink(producer, consumer);
    } catch (error) {
      producer.close();
      throw error;
    }
  }

  private constructor(producer: DataProducer, consumer: DataConsumer) {
    this.#producer = producer;
    this.#consumer = consumer;
    producer.on('open', () => {
      if (!this.#closed) this.events.emit('open');
    });
    consumer.on('message', (data: string | ArrayBuffer | Blob) => {
      if (!this.#closed) this.events.emit('message', data);
    });
    const close = (): void => this.close();
    producer.on('close', close);
    producer.on('transportclose', close);
    consumer.on('close', close);
    consumer.on('transportclose', close);
  }

  get isOpen(): boolean {
    return !this.#closed && this.#producer.readyState === 'open';
  }

  send(json: string): void {
    if (this.isOpen) this.#producer.send(json);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#producer.closed) this.#producer.close();
    if (!this.#consumer.closed) this.#consumer.close();
    this.events.emit('close');
    this.events.removeAllListeners();
  }
}
