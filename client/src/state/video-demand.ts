/**
 * How each remote video is shown, gathered from the elements that show it: the largest rendered size,
 * and whether any of them is on screen while the tab is visible. The media path gets the combined
 * demand (see MediaSession.setVideoDemand) and sends only what is seen, at the size it is seen.
 */
import type { VideoDemand } from '../media/media-session.js';

export type VideoDemandSink = (trackId: string, demand: VideoDemand) => void;

const HIDDEN: VideoDemand = { visible: false, width: 0, height: 0 };

export class VideoDemandRegistry {
  // Per track, the demand of each element showing it (a track may be on the stage and in a strip).
  readonly #elements = new Map<string, Map<symbol, VideoDemand>>();
  readonly #sent = new Map<string, VideoDemand>();
  #sink: VideoDemandSink | null = null;
  #pageVisible = typeof document === 'undefined' || document.visibilityState !== 'hidden';

  constructor() {
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.#onVisibilityChange);
  }

  /** Where demands go (the media session); the current ones are sent at once. Null detaches. */
  setSink(sink: VideoDemandSink | null): void {
    this.#sink = sink;
    this.#sent.clear();
    if (sink) for (const trackId of this.#elements.keys()) this.#send(trackId);
  }

  /** One element's demand for a track; `null` when the element goes away. */
  report(trackId: string, element: symbol, demand: VideoDemand | null): void {
    let elements = this.#elements.get(trackId);
    if (demand) {
      if (!elements) this.#elements.set(trackId, (elements = new Map()));
      elements.set(element, demand);
    } else {
      elements?.delete(element);
      if (elements?.size === 0) this.#elements.delete(trackId);
    }
    this.#send(trackId);
  }

  dispose(): void {
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onVisibilityChange);
    this.#sink = null;
    this.#elements.clear();
    this.#sent.clear();
  }

  #combined(trackId: string): VideoDemand {
    if (!this.#pageVisible) return HIDDEN;
    let combined = HIDDEN;
    for (const demand of this.#elements.get(trackId)?.values() ?? []) {
      if (!demand.visible) continue;
      combined = {
        visible: true,
        width: Math.max(combined.width, demand.width),
        height: Math.max(combined.height, demand.height),
      };
    }
    return combined;
  }

  #send(trackId: string): void {
    if (!this.#sink) return;
    const demand = this.#combined(trackId);
    const sent = this.#sent.get(trackId);
    if (sent && sent.visible === demand.visible && sent.width === demand.width && sent.height === demand.height) return;
    this.#sent.set(trackId, demand);
    if (!this.#elements.has(trackId)) this.#sent.delete(trackId);
    this.#sink(trackId, demand);
  }

  readonly #onVisibilityChange = (): void => {
    this.#pageVisible = document.visibilityState !== 'hidden';
    for (const trackId of this.#elements.keys()) this.#send(trackId);
  };
}
