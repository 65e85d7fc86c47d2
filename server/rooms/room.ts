/**
 * A meeting. It owns one router (on one worker) and its peers. Membership changes and producer
 * creation go through one queue per room, so two joins or a join and a leave never interleave.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import type { FastifyBaseLogger } from 'fastify';
import type { Router, RtpParameters } from 'mediasoup/node/lib/types.js';
import { CLOSE_CODES } from '../../protocol/errors.js';
import type { MediaSource } from '../../protocol/media.js';
import { KIND_OF_SOURCE } from '../../protocol/media.js';
import type { PeerInfo } from '../../protocol/peer.js';
import { mediaCodecs } from '../media/codecs.js';
import { toWire } from '../media/wire.js';
import type { WorkerSlot } from '../media/worker-pool.js';
import { RequestError } from '../signaling/errors.js';
import type { PeerChannel } from './peer-channel.js';
import { Peer, type ConsumerAppData, type ProducerAppData, type TransportAppData, type TransportDirection } from './peer.js';

/** The room was closed between finding it and using it; the caller should look it up again. */
export class RoomClosedError extends Error {
  constructor(roomId: string) {
    super(`room ${roomId} is closed`);
    this.name = 'RoomClosedError';
  }
}

interface RoomEvents {
  close: [];
}

export interface RoomOptions {
  id: string;
  slot: WorkerSlot;
  maxPeers: number;
  logger: FastifyBaseLogger;
}

/** Enough for 720p simulcast plus a screen share; caps what one sender can push into the SFU. */
const MAX_INCOMING_BITRATE = 6_000_000;

export class Room extends EventEmitter<RoomEvents> {
  readonly id: string;
  readonly slot: WorkerSlot;
  readonly router: Router;
  readonly peers = new Map<string, Peer>();
  readonly logger: FastifyBaseLogger;
  readonly #maxPeers: number;
  readonly #queue = new PQueue({ concurrency: 1 });
  #closed = false;

  private constructor(options: RoomOptions, router: Router) {
    super({ captureRejections: false });
    this.id = options.id;
    this.slot = options.slot;
    this.router = router;
    this.logger = options.logger;
    this.#maxPeers = options.maxPeers;
    router.on('workerclose', () => this.close({ code: CLOSE_CODES.ROOM_CLOSED, message: 'media server restarted; please rejoin' }));
  }

  static async create(options: RoomOptions): Promise<Room> {
    const router = await options.slot.worker.createRouter({ mediaCodecs, appData: { roomId: options.id } });
    const room = new Room(options, router);
    room.logger.info('room created on worker %d', options.slot.index);
    return room;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds a peer and tells everyone else. Returns the peer and who was already there. */
  join(displayName: string, channel: PeerChannel): Promise<{ peer: Peer; others: PeerInfo[] }> {
    return this.#serialized(() => {
      if (this.peers.size >= this.#maxPeers) {
        throw new RequestError('ROOM_FULL', `room is full (${this.#maxPeers} people)`);
      }
      const id = randomUUID();
      const logger = this.logger.child({ peer: id });
      const peer = new Peer({ id, displayName, channel, logger });
      const others = [...this.peers.values()].map((other) => other.info());
      this.peers.set(id, peer);
      for (const other of this.peers.values()) {
        if (other !== peer) other.channel.notify('peerJoined', { peer: peer.info() });
      }
      logger.info({ displayName, peers: this.peers.size }, 'join');
      return { peer, others };
    });
  }

  /** Removes a peer (idempotent); the last one out closes the room. */
  leave(peer: Peer, reason: string): Promise<void> {
    return this.#serialized(() => {
      if (!this.peers.has(peer.id)) return;
      this.peers.delete(peer.id);
      peer.close();
      for (const other of this.peers.values()) other.channel.notify('peerLeft', { peerId: peer.id });
      peer.logger.info({ reason, peers: this.peers.size }, 'leave');
      if (this.peers.size === 0) this.close();
    }, { allowClosed: true });
  }

  async createTransport(peer: Peer, direction: TransportDirection, sctp: boolean) {
    this.#assertMember(peer);
    if (peer.transportFor(direction)) {
      throw new RequestError('INVALID_STATE', `you already have a ${direction} transport`);
    }
    const transport = await this.router.createWebRtcTransport<TransportAppData>({
      webRtcServer: this.slot.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      enableSctp: sctp,
      numSctpStreams: { OS: 1024, MIS: 1024 },
      maxSctpMessageSize: 262_144,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { peerId: peer.id, direction },
    });
    // The peer may have left while the transport was being created.
    if (peer.closed || this.#closed) {
      transport.close();
      throw new RequestError('INVALID_STATE', 'you left the room');
    }
    if (direction === 'send') {
      await transport.setMaxIncomingBitrate(MAX_INCOMING_BITRATE).catch(() => undefined);
    }
    peer.addTransport(transport);
    return transport;
  }

  /** Records what the peer can receive and starts consuming everyone else's producers. */
  setCapabilities(peer: Peer, capabilities: Pick<Peer, 'rtpCapabilities' | 'sctpCapabilities'>): Promise<void> {
    return this.#serialized(() => {
      this.#assertMember(peer);
      if (peer.rtpCapabilities) throw new RequestError('INVALID_STATE', 'capabilities are already set');
      peer.rtpCapabilities = capabilities.rtpCapabilities;
      peer.sctpCapabilities = capabilities.sctpCapabilities;
      for (const other of this.peers.values()) {
        if (other === peer) continue;
        for (const producer of other.producers.values()) void this.#consume(peer, other, producer.id);
      }
    });
  }

  produce(
    peer: Peer,
    request: { transportId: string; kind: 'audio' | 'video'; rtpParameters: RtpParameters; source: MediaSource; paused: boolean },
  ): Promise<string> {
    return this.#serialized(async () => {
      this.#assertMember(peer);
      const transport = peer.getTransport(request.transportId);
      if (transport.appData.direction !== 'send') {
        throw new RequestError('INVALID_STATE', 'produce needs your send transport');
      }
      if (KIND_OF_SOURCE[request.source] !== request.kind) {
        throw new RequestError('BAD_REQUEST', `source ${request.source} carries ${KIND_OF_SOURCE[request.source]}, not ${request.kind}`);
      }
      for (const existing of peer.producers.values()) {
        if (existing.appData.source === request.source) {
          throw new RequestError('INVALID_STATE', `you already send ${request.source}; close it first`);
        }
      }
      const producer = await transport.produce<ProducerAppData>({
        kind: request.kind,
        rtpParameters: request.rtpParameters,
        paused: request.paused,
        appData: { peerId: peer.id, source: request.source },
      });
      if (peer.closed) {
        producer.close();
        throw new RequestError('INVALID_STATE', 'you left the room');
      }
      peer.addProducer(producer);
      peer.logger.info({ producerId: producer.id, kind: producer.kind, source: request.source, type: producer.type }, 'produce');
      for (const other of this.peers.values()) {
        if (other !== peer) void this.#consume(other, peer, producer.id);
      }
      return producer.id;
    });
  }

  /** Closes the router (and with it every transport) and tells whoever is still connected. */
  close(reason?: { code: Parameters<PeerChannel['close']>[0]; message: string }): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.peers.values()) {
      peer.close();
      if (reason) peer.channel.close(reason.code, reason.message);
    }
    this.peers.clear();
    this.router.close();
    this.logger.info('room closed');
    this.emit('close');
  }

  /**
   * Creates a paused consumer for `consumerPeer` and asks its client to set it up; resumes it only
   * when the client answers, so the first keyframe is not lost. The answer is awaited outside the
   * room's queue: one slow client must not hold up the room.
   */
  async #consume(consumerPeer: Peer, producerPeer: Peer, producerId: string): Promise<void> {
    const producer = producerPeer.producers.get(producerId);
    const transport = consumerPeer.transportFor('recv');
    const rtpCapabilities = consumerPeer.rtpCapabilities;
    if (!producer || !transport || !rtpCapabilities || consumerPeer.closed) return;
    if (!this.router.canConsume({ producerId, rtpCapabilities })) {
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
      });
      if (!consumer.closed) await consumer.resume();
    } catch (error) {
      // The client could not set it up (or is gone): a consumer nobody plays only wastes bandwidth.
      if (!consumer.closed) {
        consumerPeer.logger.warn({ err: error, consumerId: consumer.id }, 'client did not take consumer; closing it');
        consumer.close();
        consumerPeer.consumers.delete(consumer.id);
      }
    }
  }

  #assertMember(peer: Peer): void {
    if (this.#closed || peer.closed || !this.peers.has(peer.id)) {
      throw new RequestError('INVALID_STATE', 'you are not in this room');
    }
  }

  #serialized<T>(task: () => T | Promise<T>, options: { allowClosed?: boolean } = {}): Promise<T> {
    // Checked when the task runs, not when it is queued: the room may close while it waits its turn.
    return this.#queue.add(() => {
      if (this.#closed && !options.allowClosed) throw new RoomClosedError(this.id);
      return this.#closed ? (undefined as T) : task();
    }) as Promise<T>;
  }
}
