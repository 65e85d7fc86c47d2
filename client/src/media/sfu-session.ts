/**
 * Media through the SFU: one mediasoup-client Device, one send and one recv transport, a producer per
 * published source and a consumer per remote track (sfu-receiver.ts: the server drives receiving with
 * `newConsumer` requests, answered once the consumer is ready to play).
 *
 * It also recovers its media without the page reloading: ICE restarts when a transport's network path
 * breaks (ice-restarter.ts) or the signaling connection was resumed (`resumed`), and a fresh set of
 * transports with every publication produced again when the server's media process was replaced
 * (`mediaReset`, or a resume that finds the transports gone).
 */
import type { Device } from 'mediasoup-client';
import type { Producer, RtpCapabilities, Transport } from 'mediasoup-client/types';
import { CHAT_LABEL } from '../../../protocol/chat.js';
import type { ResumedSession, TransportOptions } from '../../../protocol/requests.js';
import type { ChatLink } from '../chat/chat-link.js';
import { SfuChatLink } from '../chat/sfu-chat-link.js';
import type { SignalClient } from '../signal/signal-client.js';
import { Emitter } from '../util/emitter.js';
import type {
  LocalSource,
  MediaConnectionState,
  MediaSession,
  MediaSessionEvents,
  MediaSessionStats,
  PublishOptions,
  VideoDemand,
} from './media-session.js';
import { IceRestarter } from './ice-restarter.js';
import { collectStats } from './sfu-stats.js';
import { encodingOptionsFor } from './sfu-encodings.js';
import { isLocalSource, isVideoSize, prepareTransports, transportParameters, videoSizeOf } from './sfu-parameters.js';
import { SfuReceiver } from './sfu-receiver.js';

type ProducerAppData = { source: LocalSource; paused: boolean; videoSize?: { width: number; height: number } };

const isAudio = (source: LocalSource): boolean => source === 'mic' || source === 'screen-audio';

/** Higher is worse; 'new' and 'closed' must not hide the state of a transport that is in use. */
const STATE_RANK: Record<MediaConnectionState, number> = {
  closed: 0,
  new: 1,
  connected: 2,
  connecting: 3,
  disconnected: 4,
  failed: 5,
};

export class SfuSession implements MediaSession {
  readonly events = new Emitter<MediaSessionEvents>();
  readonly #signal: SignalClient;
  // Replaced together when the server's router changes (`mediaReset`).
  #device: Device;
  #sendTransport: Transport;
  #recvTransport: Transport;
  readonly #iceRestarter: IceRestarter;
  /** TURN servers from the join answer (credentials made for this peer): a way in where UDP is blocked. */
  readonly #iceServers: RTCIceServer[];
  readonly #producers = new Map<LocalSource, Producer<ProducerAppData>>();
  /** What the person publishes, whether or not its producer exists right now (a reset may be under way). */
  readonly #published = new Map<LocalSource, MediaStreamTrack>();
  readonly #receiver: SfuReceiver;
  readonly #unsubscribers: Array<() => void> = [];
  /** Sources the person muted; kept apart from `#suspended` (P2P), and both pause the producer. */
  readonly #muted = new Map<LocalSource, boolean>();
  #suspended = false;
  // Publishing steps for one source must not interleave (e.g. camera on while camera off is running).
  #publicationQueue: Promise<unknown> = Promise.resolve();
  #connectionState: MediaConnectionState = 'new';
  #closed = false;

  /**
   * Sets up everything needed before media flows: loads the device with the router's capabilities,
   * creates both transports, then declares what this device can receive, after which the server
   * starts sending `newConsumer` requests.
   */
  static async start(
    signal: SignalClient,
    routerRtpCapabilities: RtpCapabilities,
    options: { iceServers?: RTCIceServer[] } = {},
  ): Promise<SfuSession> {
    const { device, sendOptions, recvOptions } = await prepareTransports(signal, routerRtpCapabilities);
    const session = new SfuSession(signal, device, sendOptions, recvOptions, options.iceServers ?? []);
    try {
      await signal.request('setCapabilities', {
        rtpCapabilities: device.recvRtpCapabilities,
        sctpCapabilities: device.sctpCapabilities,
      });
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  private constructor(signal: SignalClient, device: Device, send: TransportOptions, recv: TransportOptions, iceServers: RTCIceServer[]) {
    this.#signal = signal;
    this.#device = device;
    this.#iceServers = iceServers;
    this.#iceRestarter = new IceRestarter({
      restart: (transport) => this.#restartIce(transport),
      canRestart: () => signal.state === 'open' && !this.#closed,
      changed: () => this.#updateConnectionState(),
    });
    [this.#sendTransport, this.#recvTransport] = this.#createTransports(device, send, recv);
    this.#receiver = new SfuReceiver(signal, this.events, () => this.#recvTransport);
    this.#unsubscribers.push(
      signal.on('producerClosed', ({ producerId }) => this.#forgetProducer(producerId)),
      signal.on('activeSpeaker', ({ peerId }) => this.events.emit('activeSpeaker', { peerId })),
      signal.on('connectionQuality', ({ peers }) => this.events.emit('connectionQuality', peers)),
      signal.on('mediaReset', ({ routerRtpCapabilities }) => void this.#enqueue(() => this.#restartMedia(routerRtpCapabilities)).catch(
        (error: unknown) => console.error('setting media up again after mediaReset failed', error),
      )),
    );
  }

  /** Makes the two transports on `device` and wires them to signaling (connect, produce, data). */
  #createTransports(device: Device, send: TransportOptions, recv: TransportOptions): [Transport, Transport] {
    const sendTransport = device.createSendTransport(transportParameters(send, this.#iceServers));
    const recvTransport = device.createRecvTransport(transportParameters(recv, this.#iceServers));
    for (const transport of [sendTransport, recvTransport]) {
      transport.on('connect', ({ dtlsParameters }, callback, errback) => {
        this.#signal.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
      });
      transport.on('connectionstatechange', () => this.#updateConnectionState());
      this.#iceRestarter.watch(transport);
    }
    sendTransport.on('producedata', ({ sctpStreamParameters, label, protocol }, callback, errback) => {
      if (label !== CHAT_LABEL) {
        errback(new Error(`only the ${CHAT_LABEL} data channel exists (got ${label})`));
        return;
      }
      this.#signal
        .request('produceData', { transportId: sendTransport.id, sctpStreamParameters, label, protocol })
        .then(({ dataProducerId }) => callback({ id: dataProducerId }), errback);
    });
    sendTransport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      const source = appData.source;
      if (!isLocalSource(source)) {
        errback(new Error(`cannot produce without a known source (got ${String(source)})`));
        return;
      }
      this.#signal
        .request('produce', {
          transportId: sendTransport.id,
          kind,
          rtpParameters,
          source,
          paused: appData.paused === true,
          ...(isVideoSize(appData.videoSize) ? { videoSize: appData.videoSize } : {}),
        })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
    return [sendTransport, recvTransport];
  }

  publish(source: LocalSource, track: MediaStreamTrack, { paused = false }: PublishOptions = {}): Promise<void> {
    return this.#enqueue(async () => {
      this.#published.set(source, track);
      const existing = this.#producers.get(source);
      if (existing && !existing.closed) {
        await existing.replaceTrack({ track });
        return;
      }
      this.#muted.set(source, paused);
      await this.#produce(source, track);
    });
  }

  /** Sends `track` as `source` (paused if muted or suspended); the caller holds the publication queue. */
  async #produce(source: LocalSource, track: MediaStreamTrack): Promise<void> {
    const effectivelyPaused = (this.#muted.get(source) ?? false) || this.#suspended;
    const producer = await this.#sendTransport.produce<ProducerAppData>({
      track,
      ...encodingOptionsFor(source, this.#device),
      // The room state owns local tracks (preview, camera off/on); mediasoup must not stop them.
      stopTracks: false,
      // The same track also feeds the P2P connection and the preview: pausing here must not disable
      // it. Paused means no RTP at all instead (the transceiver goes inactive), which is what lets a
      // P2P room keep its SFU producers without sending the server anything.
      disableTrackOnPause: false,
      zeroRtpOnPause: true,
      appData: { source, paused: effectivelyPaused, ...videoSizeOf(track) },
    });
    if (this.#closed) {
      producer.close();
      return;
    }
    // The server created it paused already (`paused` in the produce request); mirror that locally.
    if (effectivelyPaused) producer.pause();
    this.#producers.set(source, producer);
    producer.on('transportclose', () => {
      if (this.#producers.get(source) === producer) this.#producers.delete(source);
    });
  }

  replaceTrack(source: LocalSource, track: MediaStreamTrack): Promise<void> {
    return this.#enqueue(async () => {
      const producer = this.#producers.get(source);
      if (!producer) throw new Error(`${source} is not published`);
      this.#published.set(source, track);
      await producer.replaceTrack({ track });
    });
  }

  /** Mutes or unmutes a source (the explicit mute state is the coordinator's business). */
  setPaused(source: LocalSource, paused: boolean): Promise<void> {
    this.#muted.set(source, paused);
    return this.#applyPause(source);
  }

  /**
   * Stops (or restarts) sending everything to the server while the room's media goes peer-to-peer.
   * Producers and transports stay, so coming back is a resume; a muted source stays paused.
   */
  setSuspended(suspended: boolean): Promise<void> {
    if (this.#suspended === suspended) return Promise.resolve();
    this.#suspended = suspended;
    // One after another (the publication queue): video first, since a late picture is what shows as
    // a freeze when the pair's tiles move back to the SFU; audio plays from P2P meanwhile anyway.
    const sources = [...this.#producers.keys()].sort((a, b) => Number(isAudio(a)) - Number(isAudio(b)));
    return Promise.all(sources.map((source) => this.#applyPause(source))).then(() => undefined);
  }

  get suspended(): boolean {
    return this.#suspended;
  }

  /** Brings the producer of `source` in line with mute and suspension. */
  #applyPause(source: LocalSource): Promise<void> {
    return this.#enqueue(async () => {
      const producer = this.#producers.get(source);
      const paused = (this.#muted.get(source) ?? false) || this.#suspended;
      if (!producer || producer.paused === paused) return;
      // Local first: muting must take effect at once, not after a round trip. While signaling is being
      // restored the server is told after the resume (#reconcileProducers).
      if (paused) {
        producer.pause();
        if (this.#signal.state !== 'open') return;
        await this.#signal.request('pauseProducer', { producerId: producer.id });
      } else {
        producer.resume();
        if (this.#signal.state !== 'open') return;
        await this.#signal.request('resumeProducer', { producerId: producer.id });
      }
    });
  }

  unpublish(source: LocalSource): Promise<void> {
    return this.#enqueue(async () => {
      this.#published.delete(source);
      const producer = this.#producers.get(source);
      if (!producer) return;
      this.#producers.delete(source);
      producer.close();
      // While signaling is being restored, the resume closes what the server still has (#reconcileProducers).
      if (this.#signal.state !== 'open') return;
      await this.#signal.request('closeProducer', { producerId: producer.id });
    });
  }

  /** Opens this client's chat link through the SFU (its DataProducer and the relay's DataConsumer). */
  openChatLink(): Promise<ChatLink> {
    if (this.#closed) return Promise.reject(new Error('the media session is closed'));
    return SfuChatLink.open(this.#signal, this.#sendTransport, this.#recvTransport);
  }

  /**
   * How much of a consumer's media has arrived: frames decoded (video) or packets (audio). A switch
   * back from P2P watches it rise to know the SFU path is flowing again. Null: no such consumer.
   */
  receivedCount(consumerId: string): Promise<number | null> {
    return this.#receiver.receivedCount(consumerId);
  }

  isPublished(source: LocalSource): boolean {
    return this.#producers.has(source);
  }

  /**
   * Signaling came back on a new socket (`resume`). Drops what the server no longer has, then restarts
   * ICE on both transports (the network under them may have changed), or sets media up again if the
   * server's transports are gone (its media process restarted while this client was away).
   */
  resumed(session: ResumedSession): Promise<void> {
    // At once, before any message sent after the answer is handled.
    this.#receiver.resumed(session.consumers);
    return this.#enqueue(async () => {
      const transports = [this.#sendTransport, this.#recvTransport];
      if (transports.some((transport) => !session.transportIds.includes(transport.id))) {
        await this.#restartMedia(session.routerRtpCapabilities);
        return;
      }
      await this.#reconcileProducers(session.producers);
      await Promise.all(transports.map((transport) => this.#iceRestarter.restartNow(transport)));
    });
  }

  setVideoDemand(trackId: string, demand: VideoDemand): void {
    this.#receiver.setVideoDemand(trackId, demand);
  }

  removePeer(peerId: string): void {
    this.#receiver.removePeer(peerId);
  }

  stats(): Promise<MediaSessionStats> {
    return collectStats(this.#receiver.consumers(), this.#producers.values());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#iceRestarter.close();
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    this.#receiver.close();
    // Closing a transport closes its producers and consumers (and stops the consumers' tracks).
    this.#sendTransport.close();
    this.#recvTransport.close();
    this.#producers.clear();
    this.events.removeAllListeners();
  }

  #forgetProducer(producerId: string): void {
    for (const [source, producer] of this.#producers) {
      if (producer.id !== producerId) continue;
      this.#producers.delete(source);
      this.#published.delete(source);
      producer.close();
      this.events.emit('publicationClosed', { source });
      return;
    }
  }

  /**
   * New transports on a new device, every publication produced again (muted ones paused), everything
   * received before dropped: the server sends new consumers once the capabilities are declared. Runs
   * in the publication queue.
   */
  async #restartMedia(routerRtpCapabilities: RtpCapabilities): Promise<void> {
    if (this.#closed) return;
    // What the person publishes, including a publication whose producer died before it was made.
    const publications = [...this.#published].map(([source, track]) => ({ source, track }));
    this.#receiver.closeAll();
    this.#producers.clear();
    for (const transport of [this.#sendTransport, this.#recvTransport]) {
      this.#iceRestarter.forget(transport);
      transport.close();
    }
    const { device, sendOptions, recvOptions } = await prepareTransports(this.#signal, routerRtpCapabilities);
    if (this.#closed) return;
    this.#device = device;
    [this.#sendTransport, this.#recvTransport] = this.#createTransports(device, sendOptions, recvOptions);
    await this.#signal.request('setCapabilities', {
      rtpCapabilities: device.recvRtpCapabilities,
      sctpCapabilities: device.sctpCapabilities,
    });
    for (const { source, track } of publications) {
      // A track that ended meanwhile (device unplugged) cannot be sent again; the UI shows it off.
      if (track.readyState === 'live') await this.#produce(source, track);
      else {
        this.#published.delete(source);
        this.events.emit('publicationClosed', { source });
      }
    }
    this.#updateConnectionState();
    this.events.emit('mediaRestarted');
  }

  /**
   * After a resume: the server may hold a producer whose `produce` answer was lost with the old socket
   * (close it), may have lost one (send it again), and may have missed a mute (send it again).
   */
  async #reconcileProducers(serverProducers: ResumedSession['producers']): Promise<void> {
    const onServer = new Map(serverProducers.map((producer) => [producer.producerId, producer]));
    const mine = new Set([...this.#producers.values()].map((producer) => producer.id));
    for (const { producerId } of serverProducers) {
      if (!mine.has(producerId)) await this.#signal.request('closeProducer', { producerId }).catch(() => undefined);
    }
    for (const [source, producer] of [...this.#producers]) {
      const known = onServer.get(producer.id);
      if (!known) {
        this.#producers.delete(source);
        producer.close();
        if (producer.track?.readyState === 'live') await this.#produce(source, producer.track);
        continue;
      }
      if (known.paused !== producer.paused) {
        await this.#signal.request(producer.paused ? 'pauseProducer' : 'resumeProducer', { producerId: producer.id });
      }
    }
  }

  async #restartIce(transport: Transport): Promise<void> {
    const { iceParameters } = await this.#signal.request('restartIce', { transportId: transport.id });
    if (!transport.closed) await transport.restartIce({ iceParameters });
  }

  #updateConnectionState(): void {
    // A transport whose ICE is being restarted is not failed yet: report it as disconnected.
    const states = [this.#sendTransport, this.#recvTransport].map((transport) =>
      transport.connectionState === 'failed' && !this.#iceRestarter.gaveUp(transport) ? 'disconnected' : transport.connectionState,
    );
    const worst = states.reduce((a, b) => (STATE_RANK[b] > STATE_RANK[a] ? b : a));
    if (worst === this.#connectionState) return;
    this.#connectionState = worst;
    this.events.emit('connectionState', worst);
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the media session is closed'));
    const run = this.#publicationQueue.then(task);
    this.#publicationQueue = run.catch(() => undefined);
    return run;
  }
}
