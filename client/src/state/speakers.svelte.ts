/**
 * Who speaks: the dominant speaker reported by the media path (the SFU's ActiveSpeakerObserver, or the
 * browser's own measurement on direct calls) and when each participant last was it, which decides who
 * gets the first grid page in a large room.
 */
export class SpeakerState {
  /** The current dominant speaker (possibly this client), or null before anyone spoke. */
  activeId = $state<string | null>(null);
  /** When each participant last became the dominant speaker (ms since epoch). */
  spokeAt = $state<Record<string, number>>({});

  set(peerId: string | null): void {
    this.activeId = peerId;
    if (peerId) this.spokeAt[peerId] = Date.now();
  }

  forget(peerId: string): void {
    if (this.activeId === peerId) this.activeId = null;
    delete this.spokeAt[peerId];
  }

  reset(): void {
    this.activeId = null;
    this.spokeAt = {};
  }
}
