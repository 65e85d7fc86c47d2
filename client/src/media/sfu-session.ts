/**
 * Media through the SFU: one mediasoup-client Device, one send and one recv transport, a producer per
 * published source and a consumer per remote track. The server drives receiving with `newConsumer`
 * requests; this class answers them once the consumer is ready to play.
 */
import { Device } from 'mediasoup-client';
import type {
  Consumer,
  Producer,
  RtpCapabilities,
  Transport,
  TransportOptions as DeviceTransportOptions,
} from 'mediasoup-client/types';
import type { MediaSource } from '../../../protocol/media.js';
import type { TransportOptions } from '../../../protocol/requests.js';
import type { ServerRequests } from '../../../protocol/server-messages.js';
import type { SignalClient } from '../signal/signal-client.js';
import { Emitter } from '../util/emitter.js';
import type {
  LocalSource,
  MediaConnectionState,
  MediaSession,
  MediaSessionEvents,
  MediaSessionStats,
  PublishOptions,
} from './media-session.js';
import { inboundStats, outboundStats } from './rtc-stats.js';
import { encodingOptionsFor } from './sfu-encodings.js';

type ConsumerAppData = { peerId: string; source: MediaSource };
type ProducerAppData = { source: LocalSource; paused: boolean };
type NewConsumer = ServerRequests['newConsumer']['data'];

const LOCAL_SOURCES: readonly unknown[] = ['mic', 'camera', 'screen'] satisfies LocalSource[];

function isLocalSource(value: unknown): value is LocalSource {
  return LOCAL_SOURCES.includes(value);
}

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
  readonly #device: Device;
  readonly #sendTransport: Transport;
  readonly #recvTransport: Transport;
  readonly #producers = new Map<LocalSource, Producer<ProducerAppData>>();
  readonly #consumers = new Map<string, Consumer<ConsumerAppData>>();
  readonly #unsubscribers: Array<() => void> = [];
  // Publishing steps for one source must not interleave (e.g. camera on while camera off is running).
  #publicationQueue: Promise<unknown> = Promise.resolve();
  #connectionState: MediaConnectionState = 'new';
  #closed = false;

  /**
   * Sets up everything needed before media flows: loads the device with the router's capabilities,
   * creates both transports, then declares what this device can receive, after which the server
   * starts sending `newConsumer` requests.
   */
  static async start(signal: SignalClient, routerRtpCapabilities: RtpCapabilities): Promise<SfuSession> {
    const device = await Device.factory();
    await device.load({ routerRtpCapabilities });
    const [sendOptions, recvOptions] = await Promise.all([
      signal.request('createTransport', { direction: 'send' }),
      signal.request('createTransport', { direction: 'recv' }),
    ]);
    const session = new SfuSession(signal, device, sendOptions, recvOptions);
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

  private constructor(signal: SignalClient, device: Device, send: TransportOptions, recv: TransportOptions) {
    this.#signal = signal;
    this.#device = device;
    this.#sendTransport = device.createSendTransport(transportParameters(send));
    this.#recvTransport = device.createRecvTransport(transportParameters(recv));
    for (const transport of [this.#sendTransport, this.#recvTransport]) {
      transport.on('connect', ({ dtlsParameters }, callback, errback) => {
        this.#signal.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
      });
      transport.on('connectionstatechange', () => this.#updateConnectionState());
    }
    this.#sendTransport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      const source = appData.source;
      if (!isLocalSource(source)) {
        errback(new Error(`cannot produce without a known source (got ${String(source)})`));
        return;
      }
      this.#signal
        .request('produce', {
          transportId: this.#sendTransport.id,
          kind,
          rtpParameters,
          source,
          paused: appData.paused === true,
        })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });

    this.#unsubscribers.push(
      signal.handle('newConsumer', async (data) => {
        await this.#consume(data);
        return {};
      }),
      signal.on('consumerClosed', ({ consumerId }) => this.#closeConsumer(consumerId)),
      signal.on('consumerPaused', ({ consumerId }) => this.#setConsumerMuted(consumerId, true)),
      signal.on('consumerResumed', ({ consumerId }) => this.#setConsumerMuted(consumerId, false)),
      signal.on('producerClosed', ({ producerId }) => this.#forgetProducer(producerId)),
    );
  }

  publish(source: LocalSource, track: MediaStreamTrack, { paused = false }: PublishOptions = {}): Promise<void> {
    return this.#enqueue(async () => {
      const existing = this.#producers.get(source);
      if (existing && !existing.closed) {
        await existing.replaceTrack({ track });
        return;
      }
      const producer = await this.#sendTransport.produce<ProducerAppData>({
        track,
        ...encodingOptionsFor(source, this.#device),
        // The room state owns local tracks (preview, camera off/on); mediasoup must not stop them.
        stopTracks: false,
        appData: { source, paused },
      });
      if (this.#closed) {
        producer.close();
        return;
      }
      // The server created it paused already (`paused` in the produce request); mirror that locally.
      if (paused) producer.pause();
      this.#producers.set(source, producer);
      producer.on('transportclose', () => this.#producers.delete(source));
    });
  }

  replaceTrack(source: LocalSource, track: MediaStreamTrack): Promise<void> {
    return this.#enqueue(async () => {
      const producer = this.#producers.get(source);
      if (!producer) throw new Error(`${source} is not published`);
      await producer.replaceTrack({ track });
    });
  }

  setPaused(source: LocalSource, paused: boolean): Promise<void> {
    return this.#enqueue(async () => {
      const producer = this.#producers.get(source);
      if (!producer || producer.paused === paused) return;
      // Local first: muting must take effect at once, not after a round trip.
      if (paused) {
        producer.pause();
        await this.#signal.request('pauseProducer', { producerId: producer.id });
      } else {
        producer.resume();
        await this.#signal.request('resumeProducer', { producerId: producer.id });
      }
    });
  }

  unpublish(source: LocalSource): Promise<void> {
    return this.#enqueue(async () => {
      const producer = this.#producers.get(source);
      if (!producer) return;
      this.#producers.delete(source);
      producer.close();
      await this.#signal.request('closeProducer', { producerId: producer.id });
    });
  }

  isPublished(source: LocalSource): boolean {
    return this.#producers.has(source);
  }

  removePeer(peerId: string): void {
    for (const consumer of [...this.#consumers.values()]) {
      if (consumer.appData.peerId === peerId) this.#closeConsumer(consumer.id);
    }
  }

  async stats(): Promise<MediaSessionStats> {
    // A consumer closing while its stats are read must not fail the whole report.
    const inbound = await Promise.all(
      [...this.#consumers.values()].map((consumer) =>
        consumer
          .getStats()
          .then((report) =>
            inboundStats(report, { peerId: consumer.appData.peerId, consumerId: consumer.id, kind: consumer.kind }),
          )
          .catch(() => []),
      ),
    );
    const outbound = await Promise.all(
      [...this.#producers.values()].map((producer) =>
        producer
          .getStats()
          .then((report) => outboundStats(report, producer.kind))
          .catch(() => []),
      ),
    );
    return { inbound: inbound.flat(), outbound: outbound.flat() };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    // Closing a transport closes its producers and consumers (and stops the consumers' tracks).
    this.#sendTransport.close();
    this.#recvTransport.close();
    this.#producers.clear();
    this.#consumers.clear();
    this.events.removeAllListeners();
  }

  async #consume(data: NewConsumer): Promise<void> {
    if (this.#closed) throw new Error('the media session is closed');
    const consumer = await this.#recvTransport.consume<ConsumerAppData>({
      id: data.consumerId,
      producerId: data.producerId,
      kind: data.kind,
      rtpParameters: data.rtpParameters,
      // Tracks sharing a stream id are played in sync (lip sync of a peer's mic and camera).
      streamId: `${data.peerId}-${data.source.startsWith('screen') ? 'screen' : 'user'}`,
      appData: { peerId: data.peerId, source: data.source },
    });
    if (this.#closed) {
      consumer.close();
      throw new Error('the media session closed while consuming');
    }
    this.#consumers.set(consumer.id, consumer);
    consumer.on('transportclose', () => this.#consumers.delete(consumer.id));
    // Answering (when this resolves) lets the server resume the consumer: the element is ready by then.
    this.events.emit('remoteTrackAdded', {
      trackId: consumer.id,
      peerId: data.peerId,
      kind: data.kind,
      source: data.source,
      track: consumer.track,
      muted: data.producerPaused,
    });
  }

  #closeConsumer(consumerId: string): void {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) return;
    this.#consumers.delete(consumerId);
    consumer.close();
    this.events.emit('remoteTrackRemoved', { peerId: consumer.appData.peerId, trackId: consumerId });
  }

  #setConsumerMuted(consumerId: string, muted: boolean): void {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) return;
    this.events.emit('remoteTrackMuted', { peerId: consumer.appData.peerId, trackId: consumerId, muted });
  }

  #forgetProducer(producerId: string): void {
    for (const [source, producer] of this.#producers) {
      if (producer.id !== producerId) continue;
      this.#producers.delete(source);
      producer.close();
      this.events.emit('publicationClosed', { source });
      return;
    }
  }

  #updateConnectionState(): void {
    const states = [this.#sendTransport.connectionState, this.#recvTransport.connectionState];
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

/** The server names it `transportId`; mediasoup-client wants `id`. */
function transportParameters(options: TransportOptions): DeviceTransportOptions {
  const { transportId, iceParameters, iceCandidates, dtlsParameters, sctpParameters } = options;
  return { id: transportId, iceParameters, iceCandidates, dtlsParameters, sctpParameters };
}
