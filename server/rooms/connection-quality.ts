/**
 * A network quality level per participant, measured where both directions of everyone's media meet:
 * the SFU. mediasoup scores every stream 0-10 from packet loss and retransmissions (producer scores:
 * how well a peer's upload arrives; consumer scores: how well what we forward reaches a peer), and
 * measures the round trip to each receiver from RTCP. A browser could only measure its own link; the
 * server sees every peer's, so one report serves every tile (LiveKit does the same).
 */
import type { Consumer, Producer } from 'mediasoup/node/lib/types.js';
import type { ConnectionQualityLevel, PeerConnectionQuality } from '../../protocol/server-messages.js';
import type { Peer } from './peer.js';

/** How often qualities are recomputed; a level shown for a second or two less is no loss. */
export const QUALITY_INTERVAL_MS = 2000;

export interface QualityInputs {
  /** Worst score among the peer's sending producers (each producer's best layer), 0-10. */
  uplinkScore?: number;
  /** Worst score among what the peer receives, 0-10. */
  downlinkScore?: number;
  rttMs?: number;
  /** A transport lost ICE connectivity (the peer's network dropped). */
  disconnected?: boolean;
}

/**
 * The level for a peer, or null when nothing is measured yet (no media flowing). Scores of 10 and 9
 * mean a clean stream; mediasoup lowers them with loss, so 8 already means retransmissions are doing work.
 */
export function qualityLevel(inputs: QualityInputs): ConnectionQualityLevel | null {
  if (inputs.disconnected) return 'poor';
  const scores = [inputs.uplinkScore, inputs.downlinkScore].filter((s): s is number => s !== undefined);
  if (scores.length === 0 && inputs.rttMs === undefined) return null;
  const score = scores.length > 0 ? Math.min(...scores) : 10;
  const rtt = inputs.rttMs ?? 0;
  if (score >= 8 && rtt <= 300) return 'good';
  if (score >= 5 && rtt <= 600) return 'fair';
  return 'poor';
}

/** Paused streams carry nothing, and mediasoup scores an inactive stream 0: leave them out. */
function uplinkScore(producers: Iterable<Producer>): number | undefined {
  let worst: number | undefined;
  for (const producer of producers) {
    if (producer.paused || producer.closed) continue;
    // Simulcast: the sender drops upper layers on purpose (CPU, bandwidth); judge by its best layer.
    const best = Math.max(-1, ...producer.score.map((entry) => entry.score));
    if (best < 0) continue;
    worst = worst === undefined ? best : Math.min(worst, best);
  }
  return worst;
}

function activeConsumers(consumers: Iterable<Consumer>): Consumer[] {
  return [...consumers].filter((consumer) => !consumer.closed && !consumer.paused && !consumer.producerPaused);
}

function downlinkScore(consumers: Consumer[]): number | undefined {
  if (consumers.length === 0) return undefined;
  return Math.min(...consumers.map((consumer) => consumer.score.score));
}

/** One consumer's RTCP round trip stands for the peer's link: all its consumers share one transport. */
async function roundTripOf(consumers: Consumer[]): Promise<number | undefined> {
  const consumer = consumers[0];
  if (!consumer) return undefined;
  try {
    const stats = await consumer.getStats();
    const rtt = stats.find((entry) => entry.type === 'outbound-rtp')?.roundTripTime;
    return typeof rtt === 'number' && rtt > 0 ? Math.round(rtt) : undefined;
  } catch {
    return undefined; // closed while asking
  }
}

/** A round trip worth re-announcing: quality aside, only a noticeable change is news. */
function rttChanged(previous: number | undefined, next: number | undefined): boolean {
  if (previous === undefined || next === undefined) return previous !== next;
  return Math.abs(previous - next) > Math.max(30, previous * 0.3);
}

export class ConnectionQualityMonitor {
  readonly #peers: () => Iterable<Peer>;
  readonly #report: (changes: PeerConnectionQuality[]) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #lastSent = new Map<string, PeerConnectionQuality>();
  #running = false;
  #closed = false;

  /** `report` gets the peers whose quality changed, after each measurement that found any. */
  constructor(options: { peers: () => Iterable<Peer>; report: (changes: PeerConnectionQuality[]) => void; intervalMs?: number }) {
    this.#peers = options.peers;
    this.#report = options.report;
    this.#timer = setInterval(() => void this.measure(), options.intervalMs ?? QUALITY_INTERVAL_MS);
    this.#timer.unref();
  }

  /** The last reported level of everyone, for a peer that just arrived. */
  snapshot(): PeerConnectionQuality[] {
    return [...this.#lastSent.values()];
  }

  forget(peerId: string): void {
    this.#lastSent.delete(peerId);
  }

  /** Measures every peer once and reports the changes (public for tests; the timer calls it). */
  async measure(): Promise<void> {
    // A slow worker must not pile up measurements.
    if (this.#running || this.#closed) return;
    this.#running = true;
    try {
      const changes: PeerConnectionQuality[] = [];
      for (const peer of [...this.#peers()]) {
        if (peer.closed) continue;
        const consumers = activeConsumers(peer.consumers.values());
        const rttMs = await roundTripOf(consumers);
        const disconnected = [...peer.transports.values()].some((transport) => transport.iceState === 'disconnected');
        const quality = qualityLevel({
          uplinkScore: uplinkScore(peer.producers.values()),
          downlinkScore: downlinkScore(consumers),
          rttMs,
          disconnected,
        });
        if (quality === null || peer.closed) continue;
        const previous = this.#lastSent.get(peer.id);
        if (previous && previous.quality === quality && !rttChanged(previous.rttMs, rttMs)) continue;
        const entry: PeerConnectionQuality = rttMs === undefined ? { peerId: peer.id, quality } : { peerId: peer.id, quality, rttMs };
        this.#lastSent.set(peer.id, entry);
        changes.push(entry);
      }
      if (changes.length > 0 && !this.#closed) this.#report(changes);
    } finally {
      this.#running = false;
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#lastSent.clear();
  }
}
