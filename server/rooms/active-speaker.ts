/**
 * Who is speaking in a room: mediasoup's ActiveSpeakerObserver (dominant speaker detection on the
 * microphones' RTP, in the worker) turned into a peer id. Only microphones take part: a shared tab's
 * sound playing must not make its presenter "the speaker".
 */
import type { ActiveSpeakerObserver, Producer, Router } from 'mediasoup/node/lib/types.js';
import type { FastifyBaseLogger } from 'fastify';
import type { ProducerAppData } from './peer.js';

/**
 * How often the worker re-evaluates the dominant speaker. 300 ms (mediasoup's default) reacts within a
 * word without flapping between two people talking over each other.
 */
const INTERVAL_MS = 300;

export class ActiveSpeakerDetector {
  readonly #observer: ActiveSpeakerObserver;
  readonly #logger: FastifyBaseLogger;
  #peerId: string | null = null;

  private constructor(observer: ActiveSpeakerObserver, logger: FastifyBaseLogger, onChange: (peerId: string) => void) {
    this.#observer = observer;
    this.#logger = logger;
    observer.on('dominantspeaker', ({ producer }) => {
      const peerId = (producer.appData as Partial<ProducerAppData>).peerId;
      if (typeof peerId !== 'string' || peerId === this.#peerId) return;
      this.#peerId = peerId;
      onChange(peerId);
    });
  }

  /** `onChange` is called with the new dominant speaker's peer id, only when it changes. */
  static async create(router: Router, logger: FastifyBaseLogger, onChange: (peerId: string) => void): Promise<ActiveSpeakerDetector> {
    const observer = await router.createActiveSpeakerObserver({ interval: INTERVAL_MS });
    return new ActiveSpeakerDetector(observer, logger, onChange);
  }

  /** The current dominant speaker, or null before anyone has spoken (or after they left). */
  get peerId(): string | null {
    return this.#peerId;
  }

  /**
   * Starts watching a new producer if it is a microphone. The worker drops closed producers from the
   * observer by itself, so there is no matching remove.
   */
  watch(producer: Producer<ProducerAppData>): void {
    if (producer.appData.source !== 'mic' || this.#observer.closed) return;
    this.#observer.addProducer({ producerId: producer.id }).catch((error: unknown) => {
      // The producer may close before the worker hears of it; that is not a fault.
      if (!producer.closed) this.#logger.warn({ err: error, producerId: producer.id }, 'active speaker observer refused producer');
    });
  }

  /** A peer left: it is no longer the speaker (clients fall back to whoever spoke before). */
  forget(peerId: string): void {
    if (this.#peerId === peerId) this.#peerId = null;
  }
}
