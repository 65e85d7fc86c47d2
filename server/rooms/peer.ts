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
import type { MuteState } from '../../protocol/p2p.js';
import type { PeerInfo } from '../../protocol/peer.js';
import { OPEN_JOIN_GRANTS, type Grants } from '../auth/grants.js';
import { RequestError } from '../signaling/errors.js';
import { detachedChannel, type PeerChannel } from './peer-channel.js';
import { ResumeSecret } from './resume-token.js';

export type TransportDirection = 'send' | 'recv';

export interface TransportAppData {
  peerId: string;
  direction: TransportDirection;
  [key: string]: unknown;
}

export interface ProducerAppData {
  peerId: string;
  source: MediaSource;
  videoSize?: { width: number; height: number };
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
  /** Who this is by the operator's join token; undefined for an open join. */
  readonly identity: string | undefined;
  /** What this peer may do. `moderate` can be handed over at run time (server/rooms/moderators.ts). */
  grants: Grants;
  readonly joinedAt: number;
  readonly logger: FastifyBaseLogger;
  /** Proves a reconnecting client is this peer (`resume`). */
  readonly resumeSecret = new ResumeSecret();
  readonly transports = new Map<string, WebRtcTransport<TransportAppData>>();
  readonly producers = new Map<string, Producer<ProducerAppData>>();
  readonly consumers = new Map<string, Consumer<ConsumerAppData>>();
  rtpCapabilities: RtpCapabilities | undefined;
  sctpCapabilities: SctpCapabilities | undefined;
  /**
   * What the client says it muted (`setMuted`). Separate from producer pause: producers are also
   * paused while the room is peer-to-peer, and that must not look like mute to anyone.
   */
  muted: MuteState = { mic: false, camera: false };
  #channel: PeerChannel;
  #detached = false;
  #closed = false;

  constructor(options: {
    id: string;
    displayName: string;
    channel: PeerChannel;
    logger: FastifyBaseLogger;
    identity?: string | undefined;
    grants?: Grants | undefined;
    /** When it joined, if earlier than now (a peer known from another node). */
    joinedAt?: number | undefined;
  }) {
    this.id = options.id;
    this.joinedAt = options.joinedAt ?? Date.now();
    this.displayName = options.displayName;
    this.identity = options.identity;
    this.grants = options.grants ?? { ...OPEN_JOIN_GRANTS };
    this.#channel = options.channel;
    this.logger = options.logger;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The client's connection; while the peer is detached, one that drops everything. */
  get channel(): PeerChannel {
    return this.#channel;
  }

  /** The connection broke and the peer waits for its client to `resume` (its media keeps running). */
  get detached(): boolean {
    return this.#detached;
  }

  /** Forgets the broken connection: nothing sent now could arrive, and `resume` resynchronizes anyway. */
  detach(): void {
    this.#detached = true;
    this.#channel = detachedChannel;
  }

  /** The client is back on `channel`; returns the connection it replaces (to be closed by the caller). */
  attach(channel: PeerChannel): PeerChannel {
    const previous = this.#channel;
    this.#channel = channel;
    this.#detached = false;
    return previous;
  }

  /**
   * The router under this peer was replaced (its worker died): every transport, producer and consumer
   * went with it, and the client declares its capabilities again once it has new transports.
   */
  resetMedia(): void {
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
    this.rtpCapabilities = undefined;
    this.sctpCapabilities = undefined;
  }

  info(): PeerInfo {
    return {
      id: this.id,
      displayName: this.displayName,
      joinedAt: this.joinedAt,
      muted: { ...this.muted },
      ...(this.grants.moderate ? { moderator: true } : {}),
    };
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
      // `closed` is the normal end of a call (the browser closed its side); only `failed` is news.
      if (state === 'failed') this.logger.warn({ transportId: transport.id }, 'transport DTLS failed');
      else if (state === 'closed') this.logger.debug({ transportId: transport.id }, 'transport DTLS closed');
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
    // Lets the client tell a tile held back by the downlink (a lower layer than it asked for).
    consumer.on('layerschange', (layers) => {
      if (this.#closed) return;
      this.channel.notify('consumerLayersChanged', {
        consumerId: consumer.id,
        spatialLayer: layers?.spatialLayer ?? null,
        temporalLayer: layers?.temporalLayer ?? null,
      });
    });
  }

  /** Closes every transport (cascading to producers and consumers). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.resumeSecret.revoke();
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}
