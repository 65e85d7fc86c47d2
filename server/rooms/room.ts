/**
 * A meeting. It owns one router (on one worker) and its peers. Membership changes and producer
 * creation go through one queue per room, so two joins or a join and a leave never interleave.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import type { FastifyBaseLogger } from 'fastify';
import type { Producer, Router, RtpParameters } from 'mediasoup/node/lib/types.js';
import { CLOSE_CODES } from '../../protocol/errors.js';
import type { MediaSource } from '../../protocol/media.js';
import { KIND_OF_SOURCE } from '../../protocol/media.js';
import type { PeerInfo } from '../../protocol/peer.js';
import type { ResumedSession } from '../../protocol/requests.js';
import type { ServerNotificationMethod, ServerNotifications } from '../../protocol/server-messages.js';
import { RoomChat, type ChatOptions } from '../chat/room-chat.js';
import type { P2PConfig } from '../config.js';
import { mediaCodecs } from '../media/codecs.js';
import type { WorkerSlot } from '../media/worker-pool.js';
import type { MutableSource, MuteState } from '../../protocol/p2p.js';
import { P2PCoordinator } from '../p2p/p2p-coordinator.js';
import { RequestError } from '../signaling/errors.js';
import { ActiveSpeakerDetector } from './active-speaker.js';
import { ConnectionQualityMonitor } from './connection-quality.js';
import { offerProducer } from './consume.js';
import { toWire } from '../media/wire.js';
import type { PeerChannel } from './peer-channel.js';
import { Peer, type ProducerAppData, type TransportAppData, type TransportDirection } from './peer.js';
import { OPEN_JOIN_GRANTS, type Grants } from '../auth/grants.js';
import { needsModerator, successorModerator, type PeerRelay } from './moderation.js';
import { RoomAccessControl } from './room-access.js';

/** The room was closed between finding it and using it; the caller should look it up again. */
export class RoomClosedError extends Error {
  constructor(roomId: string) {
    super(`room ${roomId} is closed`);
    this.name = 'RoomClosedError';
  }
}

/** What a resumed peer has in the room, as its client must see it. */
export type RoomSnapshot = { others: PeerInfo[] } & Pick<ResumedSession, 'transportIds' | 'producers' | 'consumers'>;

interface RoomEvents {
  close: [];
  /** The room moved to a new router (its worker died); whatever lived on the old router is gone. */
  rebuilt: [router: Router];
  /** For a room spanning nodes (server/cluster/): a peer joined here, left, produced or muted. */
  peerJoined: [peer: Peer];
  peerLeft: [peer: Peer];
  produced: [peer: Peer, producer: Producer<ProducerAppData>];
  peerMuted: [peer: Peer, source: MutableSource, muted: boolean];
}

export interface RoomOptions {
  id: string;
  slot: WorkerSlot;
  maxPeers: number;
  logger: FastifyBaseLogger;
  chat: ChatOptions;
  p2p: P2PConfig;
  /** An open room moderates itself: the first peer without a token moderates (moderation.ts). */
  autoModerator?: boolean;
}

/** How long after `setCapabilities` a newcomer gets the room's current speaker and qualities. */
const CATCH_UP_DELAY_MS = 1000;

/** Enough for 720p simulcast plus a screen share; caps what one sender can push into the SFU. */
const MAX_INCOMING_BITRATE = 6_000_000;

export class Room extends EventEmitter<RoomEvents> {
  readonly id: string;
  readonly peers = new Map<string, Peer>();
  readonly logger: FastifyBaseLogger;
  /** Chat, hands and reactions: history and the relay that delivers them (server/chat/). */
  readonly chat: RoomChat;
  /** When the room's two people go peer-to-peer and back (server/p2p/). */
  readonly p2p: P2PCoordinator;
  /** Open, lobby or locked, and the lobby's knocks (room-access.ts). */
  readonly access: RoomAccessControl;
  /** Moderates the people whose client is on another node (server/cluster/); none on a single node. */
  elsewhere: PeerRelay | undefined;
  readonly #autoModerator: boolean;
  readonly #maxPeers: number;
  readonly #queue = new PQueue({ concurrency: 1 });
  readonly #quality: ConnectionQualityMonitor;
  #activeSpeaker: ActiveSpeakerDetector | null = null;
  #slot: WorkerSlot;
  #router: Router;
  /** Peers whose connection broke, by id: when each one's grace period ends, it leaves. */
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  private constructor(options: RoomOptions, router: Router) {
    super({ captureRejections: false });
    this.id = options.id;
    this.#slot = options.slot;
    this.#router = router;
    this.logger = options.logger;
    this.#maxPeers = options.maxPeers;
    this.chat = new RoomChat({ ...options.chat, logger: this.logger, peers: () => this.peers.values() });
    this.p2p = new P2PCoordinator({ config: options.p2p, logger: this.logger, peer: (id) => this.peers.get(id) });
    this.access = new RoomAccessControl({ logger: this.logger, peers: () => this.peers.values() });
    this.#autoModerator = options.autoModerator ?? false;
    // The chat's relay lives on the router; history and hands carry over to the new one.
    this.on('rebuilt', (newRouter) => void this.chat.attachRouter(newRouter));
    this.#quality = new ConnectionQualityMonitor({
      peers: () => this.peers.values(),
      report: (peers) => this.#notifyAll('connectionQuality', { peers }),
    });
    // A router closes on its own only when its worker dies: worker-recovery.ts then rebuilds the room.
  }

  static async create(options: RoomOptions): Promise<Room> {
    const router = await options.slot.worker.createRouter({ mediaCodecs, appData: { roomId: options.id } });
    const room = new Room(options, router);
    await room.chat.attachRouter(router);
    room.#activeSpeaker = await ActiveSpeakerDetector.create(router, room.logger, (peerId) =>
      room.#notifyAll('activeSpeaker', { peerId }),
    );
    room.logger.info('room created on worker %d', options.slot.index);
    return room;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The worker the room lives on; it changes when the room is rebuilt after a worker death. */
  get slot(): WorkerSlot {
    return this.#slot;
  }

  get router(): Router {
    return this.#router;
  }

  /** `p2p` while the room's two people send media browser to browser, else `sfu` (for metrics). */
  get mediaMode(): 'sfu' | 'p2p' {
    return this.p2p.mode;
  }

  /** Records what the peer muted and tells everyone else (late joiners read it in `PeerInfo`). */
  setMuted(peer: Peer, source: MutableSource, muted: boolean): void {
    this.#assertMember(peer);
    if (peer.muted[source] === muted) return;
    peer.muted = { ...peer.muted, [source]: muted };
    for (const other of this.peers.values()) {
      if (other !== peer) other.channel.notify('peerMuted', { peerId: peer.id, source, muted });
    }
    this.emit('peerMuted', peer, source, muted);
  }

  /** Adds a peer and tells everyone else. Returns the peer and who was already there. */
  join(
    displayName: string,
    channel: PeerChannel,
    muted?: MuteState,
    admission?: { identity?: string | undefined; grants: Grants },
  ): Promise<{ peer: Peer; others: PeerInfo[] }> {
    return this.#serialized(() => {
      const grants = { ...(admission?.grants ?? OPEN_JOIN_GRANTS) };
      this.access.checkEntry(grants, channel);
      if (this.peers.size >= this.#maxPeers) {
        throw new RequestError('ROOM_FULL', `room is full (${this.#maxPeers} people)`);
      }
      if (this.#autoModerator && admission?.identity === undefined && needsModerator(this.peers.values())) {
        grants.moderate = true;
      }
      const id = randomUUID();
      const logger = this.logger.child({ peer: id });
      const peer = new Peer({ id, displayName, channel, logger, identity: admission?.identity, grants });
      if (muted) peer.muted = { ...muted };
      const others = [...this.peers.values()].map((other) => other.info());
      this.peers.set(id, peer);
      for (const other of this.peers.values()) {
        if (other !== peer) other.channel.notify('peerJoined', { peer: peer.info() });
      }
      logger.info({ displayName, peers: this.peers.size, identity: peer.identity, moderator: grants.moderate }, 'join');
      this.p2p.peerJoined(id);
      // After the join answer: the client learns it moderates before it hears who waits.
      if (grants.moderate) setImmediate(() => this.access.showLobbyTo(peer));
      this.emit('peerJoined', peer);
      return { peer, others };
    });
  }

  /**
   * Adds a peer whose client is elsewhere: on another node of a room spanning nodes, or waiting to
   * resume after its node died (server/cluster/). Everyone here sees it join; its media arrives
   * through `addProducer`.
   */
  admit(peer: Peer): Promise<void> {
    return this.#serialized(() => {
      if (this.peers.has(peer.id)) return;
      this.peers.set(peer.id, peer);
      for (const other of this.peers.values()) {
        if (other !== peer) other.channel.notify('peerJoined', { peer: peer.info() });
      }
      this.p2p.peerJoined(peer.id);
    });
  }

  /** A producer that did not come through `produce` (piped from another node): everyone consumes it. */
  addProducer(peer: Peer, producer: Producer<ProducerAppData>): Promise<void> {
    return this.#serialized(() => {
      if (this.peers.get(peer.id) !== peer || peer.closed) {
        producer.close();
        return;
      }
      peer.addProducer(producer);
      this.#activeSpeaker?.watch(producer);
      for (const other of this.peers.values()) {
        if (other !== peer) void this.#consume(other, peer, producer.id);
      }
    });
  }

  /** Removes a peer (idempotent); the last one out closes the room. */
  leave(peer: Peer, reason: string): Promise<void> {
    return this.#serialized(() => {
      if (!this.peers.has(peer.id)) return;
      this.peers.delete(peer.id);
      this.#clearGraceTimer(peer);
      peer.close();
      this.#activeSpeaker?.forget(peer.id);
      this.#quality.forget(peer.id);
      this.chat.forget(peer.id);
      for (const other of this.peers.values()) other.channel.notify('peerLeft', { peerId: peer.id });
      peer.logger.info({ reason, peers: this.peers.size }, 'leave');
      this.p2p.peerLeft(peer.id);
      if (peer.grants.moderate && this.#autoModerator) this.#handOverModeration();
      if (this.peers.size === 0) this.close();
      this.emit('peerLeft', peer);
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
    // A DTLS-connected transport proves this peer reaches the SFU: only then may the room try P2P.
    transport.on('dtlsstatechange', (state) => {
      // Media browser to browser would bypass the server's grant checks: only full senders-receivers go P2P.
      const mayGoP2P = peer.grants.publish && peer.grants.subscribe;
      if (state === 'connected' && mayGoP2P && this.peers.get(peer.id) === peer) this.p2p.peerReady(peer.id);
    });
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
      // The newcomer missed the reports so far; the next ones only carry changes. Sent a moment after
      // the answer: a client wires its media session to the UI only once `setCapabilities` resolved,
      // and a report arriving before that would be dropped (seen in test/e2e/speakers-and-mute).
      setTimeout(() => this.#catchUp(peer), CATCH_UP_DELAY_MS).unref();
    });
  }

  #catchUp(peer: Peer): void {
    if (this.#closed || peer.closed || !this.peers.has(peer.id)) return;
    const speaker = this.#activeSpeaker?.peerId;
    if (speaker) peer.channel.notify('activeSpeaker', { peerId: speaker });
    const qualities = this.#quality.snapshot();
    if (qualities.length > 0) peer.channel.notify('connectionQuality', { peers: qualities });
  }

  produce(
    peer: Peer,
    request: {
      transportId: string;
      kind: 'audio' | 'video';
      rtpParameters: RtpParameters;
      source: MediaSource;
      paused: boolean;
      videoSize?: { width: number; height: number } | undefined;
    },
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
        appData: {
          peerId: peer.id,
          source: request.source,
          ...(request.videoSize && request.kind === 'video' ? { videoSize: request.videoSize } : {}),
        },
      });
      if (peer.closed) {
        producer.close();
        throw new RequestError('INVALID_STATE', 'you left the room');
      }
      peer.addProducer(producer);
      this.#activeSpeaker?.watch(producer);
      peer.logger.info({ producerId: producer.id, kind: producer.kind, source: request.source, type: producer.type }, 'produce');
      for (const other of this.peers.values()) {
        if (other !== peer) void this.#consume(other, peer, producer.id);
      }
      this.emit('produced', peer, producer);
      return producer.id;
    });
  }

  /**
   * The peer's connection broke: keep it (and its media) for `graceMs` so its client can `resume`; the
   * others see nothing unless the time runs out and it leaves.
   */
  suspend(peer: Peer, graceMs: number, reason: string): void {
    if (this.#closed || peer.closed || this.peers.get(peer.id) !== peer) return;
    peer.detach();
    this.#clearGraceTimer(peer);
    const timer = setTimeout(() => {
      this.#graceTimers.delete(peer.id);
      void this.leave(peer, `did not come back within ${graceMs} ms (${reason})`);
    }, graceMs);
    timer.unref();
    this.#graceTimers.set(peer.id, timer);
    peer.logger.info({ reason, graceMs }, 'connection lost; waiting for resume');
  }

  /**
   * The peer's client is back on `channel`; the connection it replaces (if the server had not noticed
   * it broke) is closed. Returns the state the client must reconcile with, taken in the same step as
   * the switch: whatever changes later is sent to the new connection. Serialized with joins and
   * leaves, so the grace period cannot run out halfway.
   */
  resume(peer: Peer, channel: PeerChannel): Promise<RoomSnapshot> {
    return this.#serialized(() => {
      if (peer.closed || this.peers.get(peer.id) !== peer) throw new RequestError('NOT_FOUND', 'that session has ended');
      this.#clearGraceTimer(peer);
      const previous = peer.attach(channel);
      if (previous !== channel) previous.close(CLOSE_CODES.REPLACED, 'resumed on another connection');
      peer.logger.info('resumed');
      this.p2p.peerResumed(peer.id);
      return {
        others: [...this.peers.values()].filter((other) => other !== peer).map((other) => other.info()),
        transportIds: [...peer.transports.keys()],
        producers: [...peer.producers.values()].map((producer) => ({
          producerId: producer.id,
          source: producer.appData.source,
          paused: producer.paused,
        })),
        consumers: [...peer.consumers.values()].map((consumer) => ({
          consumerId: consumer.id,
          producerPaused: consumer.producerPaused,
        })),
      };
    });
  }

  /** Offers a resumed peer every producer it does not consume yet (those added while it was away). */
  consumeMissing(peer: Peer): void {
    if (this.#closed || peer.closed || peer.detached) return;
    const consumed = new Set([...peer.consumers.values()].map((consumer) => consumer.producerId));
    for (const other of this.peers.values()) {
      if (other === peer) continue;
      for (const producer of other.producers.values()) {
        if (!consumed.has(producer.id)) void this.#consume(peer, other, producer.id);
      }
    }
  }

  /**
   * Moves the room to a new router on `slot` after its worker died. Membership stays; every peer's
   * media objects died with the old router, so connected clients are told to set media up again.
   */
  rebuild(slot: WorkerSlot): Promise<void> {
    return this.#serialized(async () => {
      const router = await slot.worker.createRouter({ mediaCodecs, appData: { roomId: this.id } });
      if (this.#closed) {
        router.close();
        return;
      }
      this.#router.close();
      this.#slot = slot;
      this.#router = router;
      this.#activeSpeaker = await ActiveSpeakerDetector.create(router, this.logger, (peerId) =>
        this.#notifyAll('activeSpeaker', { peerId }),
      );
      for (const peer of this.peers.values()) {
        peer.resetMedia();
        peer.channel.notify('mediaReset', { routerRtpCapabilities: toWire(router.rtpCapabilities) });
      }
      this.logger.info({ worker: slot.index, peers: this.peers.size }, 'room rebuilt on a new router');
      this.emit('rebuilt', router);
    });
  }

  /** Closes the router (and with it every transport) and tells whoever is still connected. */
  close(reason?: { code: Parameters<PeerChannel['close']>[0]; message: string }): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#quality.close();
    this.p2p.close();
    this.chat.close();
    this.access.close();
    for (const timer of this.#graceTimers.values()) clearTimeout(timer);
    this.#graceTimers.clear();
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
   * Offers one producer to one peer (consume.ts: offered again if the client was too slow to answer,
   * while both are still in this room). Failures are logged there, never thrown.
   */
  #consume(consumerPeer: Peer, producerPeer: Peer, producerId: string): Promise<void> {
    return offerProducer(() => this.router, consumerPeer, producerPeer, producerId, () => !this.#closed && this.peers.get(consumerPeer.id) === consumerPeer);
  }

  /** The last moderator of an open room left: the longest present takes over, and everyone is told. */
  #handOverModeration(): void {
    const successor = successorModerator(this.peers.values());
    if (!successor) return;
    successor.grants = { ...successor.grants, moderate: true };
    successor.logger.info('now moderates the room');
    this.#notifyAll('peerUpdated', { peer: successor.info() });
    this.access.showLobbyTo(successor);
  }

  #notifyAll<M extends ServerNotificationMethod>(method: M, data: ServerNotifications[M]): void {
    if (this.#closed) return;
    for (const peer of this.peers.values()) peer.channel.notify(method, data);
  }

  #assertMember(peer: Peer): void {
    if (this.#closed || peer.closed || !this.peers.has(peer.id)) {
      throw new RequestError('INVALID_STATE', 'you are not in this room');
    }
    if (this.#router.closed) throw new RequestError('INVALID_STATE', 'the media server is restarting; wait for mediaReset');
  }

  #clearGraceTimer(peer: Peer): void {
    const timer = this.#graceTimers.get(peer.id);
    if (timer) clearTimeout(timer);
    this.#graceTimers.delete(peer.id);
  }

  #serialized<T>(task: () => T | Promise<T>, options: { allowClosed?: boolean } = {}): Promise<T> {
    // Checked when the task runs, not when it is queued: the room may close while it waits its turn.
    return this.#queue.add(() => {
      if (this.#closed && !options.allowClosed) throw new RoomClosedError(this.id);
      return this.#closed ? (undefined as T) : task();
    }) as Promise<T>;
  }
}
