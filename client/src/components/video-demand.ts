/**
 * The attachment that measures a remote video's element for the VideoDemandRegistry: its rendered size
 * (ResizeObserver, in device pixels) and whether it is on screen (IntersectionObserver, which also sees
 * clipping by scrolled strips). Every change is reported; the media path debounces.
 */
import type { Attachment } from 'svelte/attachments';
import type { VideoDemandRegistry } from '../state/video-demand.js';

export function reportVideoDemand(registry: VideoDemandRegistry, trackId: string | null | undefined): Attachment<HTMLElement> {
  return (element) => {
    if (!trackId) return;
    const key = Symbol(trackId);
    let width = 0;
    let height = 0;
    let intersecting = false;
    const report = (): void => {
      const ratio = window.devicePixelRatio || 1;
      const visible = intersecting && width > 0 && height > 0;
      registry.report(trackId, key, { visible, width: Math.round(width * ratio), height: Math.round(height * ratio) });
    };
    const resizeObserver = new ResizeObserver(([entry]) => {
      if (!entry) return;
      width = entry.contentRect.width;
      height = entry.contentRect.height;
      report();
    });
    const intersectionObserver = new IntersectionObserver(([entry]) => {
      if (!entry) return;
      intersecting = entry.isIntersecting;
      report();
    });
    resizeObserver.observe(element);
    intersectionObserver.observe(element);
    return () => {
      resizeObserver.disconnect();
      intersectionObserver.disconnect();
      registry.report(trackId, key, null);
    };
  };
}
