/**
 * Receiving only what is seen, at the size it is seen, on the SFU path: a video consumer whose tile is
 * hidden (another page, scrolled away, tab in the background) is paused on the server, and a visible
 * one asks for the simulcast layer that fits its tile. Requests are debounced and sent only when the
 * wanted state changes, so resizing a window does not flood the signaling socket.
 *
 * It also tells when the server forwards a lower layer than the one asked for: mediasoup's bandwidth
 * estimate drops layers when the downlink cannot carry them (the picture softens instead of freezing).
 * And it unfreezes a video whose layer the sender stopped, sooner than mediasoup would (frozen-layer.ts).
 */
import type { Consumer } from 'mediasoup-client/types';
import type { SignalClient } from '../signal/signal-client.js';
import type { VideoDemand } from './media-session.js';
import { RESTORE_AFTER_MS, frozen, newFrameWatch, type FrameWatch } from './frozen-layer.js';
import { spatialLayerCount, spatialLayerFor } from './simulcast-layers.js';

/** Let a resize or a scroll settle before asking the server. */
const DEBOUNCE_MS = 250;
/** A video nobody shows within this long after it arrived (e.g. on another grid page) is paused. */
const UNSHOWN_GRACE_MS = 2000;
/** The bandwidth estimate ramps up for a few seconds after a start or a layer switch; don't cry wolf. */
const LIMITED_AFTER_MS = 4000;
/** How often the decoded frames of a video that should be playing are read, to see it freeze (each read is a getStats: kept rare, it competes with the picture on a starved machine). */
const FREEZE_CHECK_MS = 500;

interface Tracked {
  consumer: Consumer;
  layerCount: number;
  /** The sender's capture size: the size of the top layer. */
  topLayer: { width: number; height: number } | undefined;
  demand: VideoDemand | null;
  /** What the server was last asked for (it starts resumed, at its default layer: the top one). */
  paused: boolean;
  preferredLayer: number | null;
  /** What the server forwards now, per `consumerLayersChanged`. */
  currentLayer: number | null;
  producerPaused: boolean;
  limited: boolean;
  flushTimer: ReturnType<typeof setTimeout> | undefined;
  limitedTimer: ReturnType<typeof setTimeout> | undefined;
  frames: FrameWatch;
  /** The lowest layer is asked for until this timer fires: the video froze on a higher one. */
  unfreezeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Requests for one consumer run one after the other, in order. */
  queue: Promise<unknown>;
}

export class SfuVideoDemand {
  readonly #signal: SignalClient;
  readonly #onLimited: (consumerId: string, limited: boolean) => void;
  readonly #decodedFrames: (consumer: Consumer) => Promise<number>;
  readonly #tracked = new Map<string, Tracked>();
  #freezeCheck: ReturnType<typeof setInterval> | undefined;
  #checking = false;

  constructor(
    signal: SignalClient,
    onLimited: (consumerId: string, limited: boolean) => void,
    /** Frames decoded so far by a video consumer (its receiver's stats). */
    decodedFrames: (consumer: Consumer) => Promise<number>,
  ) {
    this.#signal = signal;
    this.#onLimited = onLimited;
    this.#decodedFrames = decodedFrames;
  }

  /** Starts managing a new video consumer. */
  add(consumer: Consumer, producerPaused: boolean, videoSize?: { width: number; height: number }): void {
    const encoding = consumer.rtpParameters.encodings?.[0];
    const entry: Tracked = {
      consumer,
      layerCount: consumer.kind === 'video' ? spatialLayerCount(encoding?.scalabilityMode) : 1,
      topLayer: videoSize,
      demand: null,
      paused: false,
      preferredLayer: null,
      currentLayer: null,
      producerPaused,
      limited: false,
      flushTimer: undefined,
      limitedTimer: undefined,
      frames: newFrameWatch(Date.now()),
      unfreezeTimer: undefined,
      queue: Promise.resolve(),
    };
    this.#tracked.set(consumer.id, entry);
    this.#freezeCheck ??= setInterval(() => void this.#checkFreezes(), FREEZE_CHECK_MS);
    // Nothing shows it yet; if nothing does soon, stop it flowing.
    entry.flushTimer = setTimeout(() => this.#flush(entry), UNSHOWN_GRACE_MS);
  }

  set(consumerId: string, demand: VideoDemand): void {
    const entry = this.#tracked.get(consumerId);
    if (!entry) return;
    entry.demand = demand;
    clearTimeout(entry.flushTimer);
    entry.flushTimer = setTimeout(() => this.#flush(entry), DEBOUNCE_MS);
  }

  layersChanged(consumerId: string, spatialLayer: number | null): void {
    const entry = this.#tracked.get(consumerId);
    if (!entry) return;
    entry.currentLayer = spatialLayer;
    this.#updateLimited(entry);
  }

  producerPausedChanged(consumerId: string, paused: boolean): void {
    const entry = this.#tracked.get(consumerId);
    if (!entry) return;
    entry.producerPaused = paused;
    this.#updateLimited(entry);
  }

  /**
   * Signaling came back on a new socket: a pause, resume or layer choice sent on the old one may never
   * have reached the server (a silent socket loses requests), so the server's state can differ from
   * what this side believes it asked for — e.g. a video left paused while its tile is on screen, frozen
   * for the rest of the call. Asks for all of it again (the server treats each request as idempotent).
   */
  resync(): void {
    for (const entry of this.#tracked.values()) {
      if (entry.consumer.closed) continue;
      const consumerId = entry.consumer.id;
      const paused = entry.paused;
      this.#enqueue(entry, () => this.#signal.request(paused ? 'pauseConsumer' : 'resumeConsumer', { consumerId }));
      const layer = entry.preferredLayer;
      if (!paused && layer !== null) this.#enqueue(entry, () => this.#signal.request('setConsumerPreferredLayers', { consumerId, spatialLayer: layer }));
    }
  }

  remove(consumerId: string): void {
    const entry = this.#tracked.get(consumerId);
    if (!entry) return;
    clearTimeout(entry.flushTimer);
    clearTimeout(entry.limitedTimer);
    clearTimeout(entry.unfreezeTimer);
    this.#tracked.delete(consumerId);
    if (this.#tracked.size === 0) {
      clearInterval(this.#freezeCheck);
      this.#freezeCheck = undefined;
    }
  }

  close(): void {
    for (const id of [...this.#tracked.keys()]) this.remove(id);
  }

  #flush(entry: Tracked): void {
    entry.flushTimer = undefined;
    if (entry.consumer.closed || !this.#tracked.has(entry.consumer.id)) return;
    const demand = entry.demand;
    const wantPaused = !demand?.visible;
    const fitting = demand && entry.layerCount > 1 ? spatialLayerFor(demand.width, demand.height, entry.layerCount, entry.topLayer) : null;
    // While unfreezing, the lowest layer; the fitting one again afterwards.
    const wantLayer = fitting !== null && entry.unfreezeTimer ? 0 : fitting;
    const consumerId = entry.consumer.id;
    if (wantPaused !== entry.paused) {
      entry.paused = wantPaused;
      if (wantPaused) {
        entry.consumer.pause();
        this.#enqueue(entry, () => this.#signal.request('pauseConsumer', { consumerId }));
      } else {
        entry.consumer.resume();
        this.#enqueue(entry, () => this.#signal.request('resumeConsumer', { consumerId }));
      }
    }
    // Layers are chosen while visible only; a paused consumer keeps its last choice for its return.
    if (!wantPaused && wantLayer !== null && wantLayer !== entry.preferredLayer) {
      entry.preferredLayer = wantLayer;
      this.#enqueue(entry, () => this.#signal.request('setConsumerPreferredLayers', { consumerId, spatialLayer: wantLayer }));
    }
    this.#updateLimited(entry);
  }

  /**
   * Reads the decoded frames of every video that should be playing on a higher layer than the lowest,
   * and asks for the lowest for a while when one froze (frozen-layer.ts says why).
   */
  async #checkFreezes(): Promise<void> {
    // Stats can take longer than a check period on a starved machine: never pile reads up.
    if (this.#checking) return;
    this.#checking = true;
    const now = Date.now();
    try {
      await Promise.all(
        [...this.#tracked.values()].map(async (entry) => {
          // Not on the lowest layer already (null: mediasoup forwards nothing yet), nothing asked of it meanwhile.
          const watched =
            !entry.consumer.closed && !entry.paused && !entry.producerPaused && entry.layerCount > 1 && entry.currentLayer !== 0 && !entry.unfreezeTimer;
          if (!watched) {
            entry.frames = newFrameWatch(now);
            return;
          }
          const count = await this.#decodedFrames(entry.consumer).catch(() => null);
          if (count === null || this.#tracked.get(entry.consumer.id) !== entry || !frozen(entry.frames, count, now)) return;
          console.info(`video ${entry.consumer.id} stopped on layer ${entry.currentLayer ?? 'none'}: asking for the lowest layer for ${RESTORE_AFTER_MS} ms`);
          entry.unfreezeTimer = setTimeout(() => {
            entry.unfreezeTimer = undefined;
            if (this.#tracked.get(entry.consumer.id) === entry) this.#flush(entry);
          }, RESTORE_AFTER_MS);
          clearTimeout(entry.flushTimer);
          this.#flush(entry);
        }),
      );
    } finally {
      this.#checking = false;
    }
  }

  #updateLimited(entry: Tracked): void {
    // Held back = visible, sent, a layer asked for, and the server forwards less (or nothing).
    const heldBack =
      !entry.paused &&
      !entry.producerPaused &&
      entry.preferredLayer !== null &&
      (entry.currentLayer === null || entry.currentLayer < entry.preferredLayer);
    if (!heldBack) {
      clearTimeout(entry.limitedTimer);
      entry.limitedTimer = undefined;
      this.#setLimited(entry, false);
      return;
    }
    if (entry.limited || entry.limitedTimer) return;
    entry.limitedTimer = setTimeout(() => {
      entry.limitedTimer = undefined;
      if (this.#tracked.get(entry.consumer.id) === entry) this.#setLimited(entry, true);
    }, LIMITED_AFTER_MS);
  }

  #setLimited(entry: Tracked, limited: boolean): void {
    if (entry.limited === limited) return;
    entry.limited = limited;
    this.#onLimited(entry.consumer.id, limited);
  }

  #enqueue(entry: Tracked, request: () => Promise<unknown>): void {
    entry.queue = entry.queue
      .then(() => (entry.consumer.closed ? undefined : request()))
      .catch((error: unknown) => {
        // The consumer closed meanwhile (NOT_FOUND) or the socket dropped: nothing left to adjust.
        if (!entry.consumer.closed) console.warn('adjusting a received video failed', error);
      });
  }
}
