/**
 * What this client receives through the SFU: a consumer per remote track, made when the server asks
 * (`newConsumer`) and answered only once it is ready to play, so the server resumes it into an element
 * that is there. Owned by SfuSession, which owns the transports (they are replaced on `mediaReset`).
 */
import type { Consumer, Transport } from 'mediasoup-client/types';
import type { ResumedSession } from '../../../protocol/requests.js';
import type { ServerRequests } from '../../../protocol/server-messages.js';
import type { SignalClient } from '../signal/signal-client.js';
import type { Emitter } from '../util/emitter.js';
import type { MediaSessionEvents, VideoDemand } from './media-session.js';
import { receivedCount, type ConsumerAppData } from './sfu-stats.js';
import { SfuVideoDemand } from './sfu-video-demand.js';

type NewConsumer = ServerRequests['newConsumer']['data'];

export class SfuReceiver {
  readonly #events: Emitter<MediaSessionEvents>;
  readonly #recvTransport: () => Transport;
  readonly #consumers = new Map<string, Consumer<ConsumerAppData>>();
  /**
   * Consumers being set up (`newConsumer` answered only once done), by id, with their peer: the server
   * may close one (its producer stopped) or its peer may leave meanwhile, and such a consumer must not
   * appear afterwards as a frozen tile or a ghost participant.
   */
  readonly #settingUp = new Map<string, { peerId: string; cancelled: boolean }>();
  readonly #videoDemand: SfuVideoDemand;
  readonly #unsubscribers: Array<() => void>;
  #closed = false;

  constructor(signal: SignalClient, events: Emitter<MediaSessionEvents>, recvTransport: () => Transport) {
    this.#events = events;
    this.#recvTransport = recvTransport;
    this.#videoDemand = new SfuVideoDemand(
      signal,
      (consumerId, limited) => {
        const consumer = this.#consumers.get(consumerId);
        if (consumer) events.emit('remoteTrackLimited', { peerId: consumer.appData.peerId, trackId: consumerId, limited });
      },
      (consumer) => receivedCount(consumer as Consumer<ConsumerAppData>),
    );
    this.#unsubscribers = [
      signal.handle('newConsumer', async (data) => {
        await this.#consume(data);
        return {};
      }),
      signal.on('consumerClosed', ({ consumerId }) => this.#closeConsumer(consumerId)),
      signal.on('consumerPaused', ({ consumerId }) => this.#setConsumerMuted(consumerId, true)),
      signal.on('consumerResumed', ({ consumerId }) => this.#setConsumerMuted(consumerId, false)),
      signal.on('consumerLayersChanged', ({ consumerId, spatialLayer }) => this.#videoDemand.layersChanged(consumerId, spatialLayer)),
    ];
  }

  consumers(): Iterable<Consumer<ConsumerAppData>> {
    return this.#consumers.values();
  }

  /** How much of a consumer's media has arrived (frames decoded or packets); null: no such consumer. */
  async receivedCount(consumerId: string): Promise<number | null> {
    const consumer = this.#consumers.get(consumerId);
    return consumer && !consumer.closed ? receivedCount(consumer) : null;
  }

  setVideoDemand(trackId: string, demand: VideoDemand): void {
    this.#videoDemand.set(trackId, demand);
  }

  removePeer(peerId: string): void {
    for (const setup of this.#settingUp.values()) if (setup.peerId === peerId) setup.cancelled = true;
    for (const consumer of [...this.#consumers.values()]) {
      if (consumer.appData.peerId === peerId) this.#closeConsumer(consumer.id);
    }
  }

  /**
   * Signaling came back on a new socket: keeps the consumers the server still has (with their pause
   * state), drops the rest. Called at once, before any message sent after the resume answer is
   * handled: consumers made after it are not in its list, and must stay.
   */
  resumed(consumers: ResumedSession['consumers']): void {
    const live = new Map(consumers.map((consumer) => [consumer.consumerId, consumer]));
    // Being set up when the socket broke: the answer could not reach the server, which closed it.
    for (const [consumerId, setup] of this.#settingUp) if (!live.has(consumerId)) setup.cancelled = true;
    for (const consumerId of [...this.#consumers.keys()]) {
      const known = live.get(consumerId);
      if (!known) this.#closeConsumer(consumerId);
      else this.#setConsumerMuted(consumerId, known.producerPaused);
    }
    this.#videoDemand.resync();
  }

  /** Everything received is dropped (new transports are coming; the server sends new consumers). */
  closeAll(): void {
    for (const consumerId of [...this.#consumers.keys()]) this.#closeConsumer(consumerId);
  }

  /** The session closes; its transports close the consumers (and stop their tracks). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    this.#videoDemand.close();
    this.#consumers.clear();
  }

  async #consume(data: NewConsumer): Promise<void> {
    if (this.#closed) throw new Error('the media session is closed');
    const setup = { peerId: data.peerId, cancelled: false };
    this.#settingUp.set(data.consumerId, setup);
    let consumer: Consumer<ConsumerAppData>;
    try {
      consumer = await this.#recvTransport().consume<ConsumerAppData>({
        id: data.consumerId,
        producerId: data.producerId,
        kind: data.kind,
        rtpParameters: data.rtpParameters,
        // Tracks sharing a stream id are played in sync (lip sync of a peer's mic and camera).
        streamId: `${data.peerId}-${data.source.startsWith('screen') ? 'screen' : 'user'}`,
        appData: { peerId: data.peerId, source: data.source },
      });
    } finally {
      this.#settingUp.delete(data.consumerId);
    }
    if (this.#closed || setup.cancelled) {
      consumer.close();
      throw new Error(this.#closed ? 'the media session closed while consuming' : 'the consumer was closed while it was set up');
    }
    this.#consumers.set(consumer.id, consumer);
    consumer.on('transportclose', () => this.#consumers.delete(consumer.id));
    if (consumer.kind === 'video') this.#videoDemand.add(consumer, data.producerPaused, data.videoSize);
    // Answering (when this resolves) lets the server resume the consumer: the element is ready by then.
    this.#events.emit('remoteTrackAdded', {
      trackId: consumer.id,
      peerId: data.peerId,
      kind: data.kind,
      source: data.source,
      track: consumer.track,
      muted: data.producerPaused,
    });
  }

  #closeConsumer(consumerId: string): void {
    const setup = this.#settingUp.get(consumerId);
    if (setup) setup.cancelled = true;
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) return;
    this.#consumers.delete(consumerId);
    this.#videoDemand.remove(consumerId);
    consumer.close();
    this.#events.emit('remoteTrackRemoved', { peerId: consumer.appData.peerId, trackId: consumerId });
  }

  #setConsumerMuted(consumerId: string, muted: boolean): void {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) return;
    this.#videoDemand.producerPausedChanged(consumerId, muted);
    this.#events.emit('remoteTrackMuted', { peerId: consumer.appData.peerId, trackId: consumerId, muted });
  }
}
