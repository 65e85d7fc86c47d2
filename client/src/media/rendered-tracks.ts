/**
 * When each video track last put a frame on screen (Date.now()). The video element (LiveVideo) records
 * every frame it shows; a path switch waits for a frame shown after the switch before it lets the other
 * side stop the old path, so the old picture stays until the new one is really visible, even on a slow,
 * busy machine.
 */
const lastShown = new WeakMap<MediaStreamTrack, number>();

export function markRendered(track: MediaStreamTrack): void {
  lastShown.set(track, Date.now());
}

/** Whether `track` has put a frame on screen at or after `since`. */
export function renderedSince(track: MediaStreamTrack, since: number): boolean {
  return (lastShown.get(track) ?? -1) >= since;
}
