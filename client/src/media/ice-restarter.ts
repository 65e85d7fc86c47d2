/**
 * Keeps a mediasoup-client transport's ICE alive. When its connection fails, or stays `disconnected`
 * for a few seconds (Wi-Fi to mobile, a new address), it restarts ICE: new credentials from the
 * server, then a new offer/answer with them. A few failed tries in a row mean the path is gone for
 * good, and only then does the transport count as failed.
 */
import type { Transport } from 'mediasoup-client/types';

/** `disconnected` this long (a blip shorter than this heals by itself) triggers a restart. */
const DISCONNECTED_GRACE_MS = 3000;
/** Restarts in a row without reaching `connected` before giving up. */
const MAX_ATTEMPTS = 3;
/** A restart that changed nothing within this long is tried again (if tries are left). */
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface IceRestarterOptions {
  /** Asks the server for new ICE parameters and hands them to the transport. */
  restart: (transport: Transport) => Promise<void>;
  /** False while signaling is down: the resume restarts ICE anyway once it is back. */
  canRestart: () => boolean;
  /** The transport's effective state may have changed (e.g. it gave up). */
  changed: () => void;
}

interface Watched {
  attempts: number;
  running: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class IceRestarter {
  readonly #options: IceRestarterOptions;
  readonly #watched = new Map<Transport, Watched>();

  constructor(options: IceRestarterOptions) {
    this.#options = options;
  }

  watch(transport: Transport): void {
    const watched: Watched = { attempts: 0, running: false, timer: undefined };
    this.#watched.set(transport, watched);
    transport.on('connectionstatechange', (state) => {
      clearTimeout(watched.timer);
      watched.timer = undefined;
      if (state === 'connected') watched.attempts = 0;
      else if (state === 'failed') void this.#attempt(transport, watched);
      else if (state === 'disconnected') watched.timer = setTimeout(() => void this.#attempt(transport, watched), DISCONNECTED_GRACE_MS);
    });
  }

  forget(transport: Transport): void {
    const watched = this.#watched.get(transport);
    if (watched) clearTimeout(watched.timer);
    this.#watched.delete(transport);
  }

  /** Restarts now (after a resume); counts as a fresh start, not as one of the failed tries. */
  async restartNow(transport: Transport): Promise<void> {
    const watched = this.#watched.get(transport);
    if (watched) watched.attempts = 0;
    await this.#options.restart(transport);
  }

  /** Whether the transport failed and no restart can help any more (or one is still coming). */
  gaveUp(transport: Transport): boolean {
    const watched = this.#watched.get(transport);
    return watched !== undefined && !watched.running && watched.attempts >= MAX_ATTEMPTS && transport.connectionState === 'failed';
  }

  close(): void {
    for (const watched of this.#watched.values()) clearTimeout(watched.timer);
    this.#watched.clear();
  }

  async #attempt(transport: Transport, watched: Watched): Promise<void> {
    if (watched.running || transport.closed || !this.#options.canRestart()) return;
    if (watched.attempts >= MAX_ATTEMPTS) {
      this.#options.changed();
      return;
    }
    watched.attempts++;
    watched.running = true;
    try {
      await this.#options.restart(transport);
    } catch (error) {
      console.warn(`ICE restart of the ${transport.direction} transport failed`, error);
    } finally {
      watched.running = false;
      this.#options.changed();
    }
    clearTimeout(watched.timer);
    watched.timer = setTimeout(() => {
      if (transport.connectionState !== 'connected') void this.#attempt(transport, watched);
    }, ATTEMPT_TIMEOUT_MS);
  }
}
