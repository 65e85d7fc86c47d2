/**
 * A participant in a room. It owns its transports, and through them its producers and consumers: the
 * peer closes its transports and mediasoup cascades the close to everything on them.
 */
import type {
  Consumer,
  Producer,
  RtpCapabilities,
  SctpCapabilities,
  WebRtcTransport,
} from 'mediasoup/node/lib/types.js';
import type { FastifyBaseLogger } from 'fastify';
import type { MediaSource } from '../../protocol/media.js';
import type { PeerInfo } from '../../protocol/peer.js';
import { RequestError } from '../signaling/errors.js';
import type { PeerChannel } from './peer-channel.js';

export type TransportDirection = 'send' | 'recv';

export interface TransportAppData {
  peerId: string;
  direction: TransportDirection;
  [key: string]: unknown;
}

export interface ProducerAppData {
  peerId: string;
  source: MediaSource;
  [key: string]: unknown;
}

export interface ConsumerAppData {
  peerId: string;
  /** Whose producer this consumer plays. */
  producerPeerId: string;
  source: MediaSource;
  [key: string]: unknown;
}

export class Peer {
  readonly id: string;
  readonly displayName: string;
  readonly joinedAt = Date.now();
  readonly channel: PeerChannel;
  readonly logger: FastifyBaseLogger;
  readonly transports = new Map<string, WebRtcTransport<TransportAppData>>();
  readonly producers = new Map<string, Producer<ProducerAppData>>();
  readonly consumers = new Map<string, Consumer<ConsumerAppData>>();
  rtpCapabilities: RtpCapabilities | undefined;
  sctpCapabilities: SctpCapabilities | undefined;
  #closed = false;

  constructor(options: { id: string; displayName: string; channel: PeerChannel; logger: FastifyBaseLogger }) {
    this.id = options.id;
    this.displayName = options.displayName;
    this.channel = options.channel;
    this.logger = options.logger;
  }

  get closed(): boolean {
    return this.#closed;
  }

  info(): PeerInfo {
    return { id: this.id, displayName: this.displayName, joinedAt: this.joinedAt };
  }

  transportFor(direction: TransportDirection): WebRtcTransport<TransportAppData> | undefined {
    for (const transport of this.transports.values()) {
      if (transport.appData.direction === direction) return transport;
    }
    return undefined;
  }

  /** Ids come from the client: only this peer's own objects are ever found. */
  getTransport(transportId: string): WebRtcTransport<TransportAppData> {
    const transport = this.transports.get(transportId);
    if (!transport) throw new RequestError('NOT_FOUND', `no transport ${transportId} of yours`);
    return transport;
  }

  getProducer(producerId: string): Producer<ProducerAppData> {
    const producer = this.producers.get(producerId);
    if (!producer) throw new RequestError('NOT_FOUND', `no producer ${producerId} of yours`);
    return producer;
  }

  getConsumer(consumerId: string): Consumer<ConsumerAppData> {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) throw new RequestError('NOT_FOUND', `no consumer ${consumerId} of yours`);
    return consumer;
  }

  addTransport(transport: WebRtcTransport<TransportAppData>): void {
    this.transports.set(transport.id, transport);
    transport.on('routerclose', () => this.transports.delete(transport.id));
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') {
        this.logger.warn({ transportId: transport.id, state }, 'transport DTLS %s', state);
      }
    });
    transport.on('listenserverclose', () => this.transports.delete(transport.id));
  }

  addProducer(producer: Producer<ProducerAppData>): void {
    this.producers.set(producer.id, producer);
    // The transport closed: the peer is closing it or leaving; nothing to tell.
    producer.on('transportclose', () => this.producers.delete(producer.id));
  }

  addConsumer(consumer: Consumer<ConsumerAppData>): void {
    this.consumers.set(consumer.id, consumer);
    consumer.on('transportclose', () => this.consumers.delete(consumer.id));
    // The remote producer went away: forget the consumer *and* tell the client to drop its track.
    consumer.on('producerclose', () => {
      this.consumers.delete(consumer.id);
      if (!this.#closed) this.channel.notify('consumerClosed', { consumerId: consumer.id });
    });
    consumer.on('producerpause', () => {
      if (!this.#closed) this.channel.notify('consumerPaused', { consumerId: consumer.id });
    });
    consumer.on('producerresume', () => {
      if (!this.#closed) this.channel.notify('consumerResumed', { consumerId: consumer.id });
    });
  }

  /** Closes every transport (cascading to producers and consumers). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}
