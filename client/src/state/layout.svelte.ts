/**
 * How the meeting is laid out on this screen: a grid of equal tiles (paged in large rooms) or a speaker
 * view (one large tile, the others in a strip). A screen share switches to the speaker view once, when
 * it starts, like a presenter mode; the person can switch back.
 */
export type LayoutMode = 'grid' | 'speaker';

export class LayoutState {
  mode = $state<LayoutMode>('grid');
  /** Grid page, 0-based; clamped by the grid when participants leave. */
  page = $state(0);
  /** A participant (or `screen:<peerId>`) pinned to the large tile; null follows the speaker. */
  pinned = $state<string | null>(null);
  #presentationsSeen = new Set<string>();

  toggleMode(): void {
    this.mode = this.mode === 'grid' ? 'speaker' : 'grid';
  }

  togglePin(id: string): void {
    this.pinned = this.pinned === id ? null : id;
    if (this.pinned) this.mode = 'speaker';
  }

  /** Called with the current screen shares; a new one brings the speaker view up once. */
  presentationsChanged(shareIds: readonly string[]): void {
    let started = false;
    for (const id of shareIds) {
      if (!this.#presentationsSeen.has(id)) started = true;
    }
    this.#presentationsSeen = new Set(shareIds);
    if (started) this.mode = 'speaker';
    if (this.pinned?.startsWith('screen:') && !shareIds.includes(this.pinned)) this.pinned = null;
  }
}
