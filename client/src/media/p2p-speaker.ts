/**
 * Who speaks in a direct (P2P) call. The SFU's ActiveSpeakerObserver hears nothing while the pair's
 * media bypasses the server, so the browser measures both voices itself: the other's from the RTP
 * audio-level of its mic, its own from the sender's media source. Someone speaking while the current
 * speaker is silent becomes the speaker once they have spoken for a moment, so the highlight does not
 * flicker; silence keeps the last speaker, like the SFU's observer.
 */

export interface SpeakerLevels {
  /** This browser's microphone level, 0..1. */
  local(): Promise<number>;
  /** The other browser's microphone level, 0..1. */
  remote(): number;
}

/**
 * Quieter than this is silence. audioLevel is linear (1 = 0 dBov); after the browser's noise
 * suppression and gain control, speech measures about 0.01-0.3 and a quiet room under 0.002. This is
 * -46 dBov, like the -50 dBFS the muted-mic hint uses.
 */
const SPEAKING_LEVEL = 0.005;
const SAMPLE_MS = 150;
/** How long a new voice must lead before it takes over. */
const TAKEOVER_MS = 450;

export class P2PSpeakerDetector {
  readonly #levels: SpeakerLevels;
  readonly #ids: { local: string; remote: string };
  readonly #onChange: (peerId: string) => void;
  #current: string | null;
  #candidate: { id: string; since: number } | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(levels: SpeakerLevels, ids: { local: string; remote: string }, current: string | null, onChange: (peerId: string) => void) {
    this.#levels = levels;
    this.#ids = ids;
    this.#current = current;
    this.#onChange = onChange;
    void this.#sample();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #sample(): Promise<void> {
    if (this.#stopped) return;
    const local = await this.#levels.local().catch(() => 0);
    const remote = this.#levels.remote();
    if (this.#stopped) return;
    const speaking = new Map<string, number>();
    if (local >= SPEAKING_LEVEL) speaking.set(this.#ids.local, local);
    if (remote >= SPEAKING_LEVEL) speaking.set(this.#ids.remote, remote);
    const now = Date.now();
    // The current speaker keeps the floor while they speak: two voices at once do not flip it. (The two
    // levels are not measured alike, the own one before sending, so "louder" alone would be unfair.)
    if (speaking.size === 0 || (this.#current !== null && speaking.has(this.#current))) {
      this.#candidate = null;
    } else {
      const loudest = [...speaking].sort((a, b) => b[1] - a[1])[0]![0];
      if (this.#candidate?.id !== loudest) this.#candidate = { id: loudest, since: now };
    }
    // The first speaker of the call takes over at once; later ones must lead for a moment.
    if (this.#candidate && (this.#current === null || now - this.#candidate.since >= TAKEOVER_MS)) {
      this.#current = this.#candidate.id;
      this.#candidate = null;
      this.#onChange(this.#current);
    }
    this.#timer = setTimeout(() => void this.#sample(), SAMPLE_MS);
  }
}
