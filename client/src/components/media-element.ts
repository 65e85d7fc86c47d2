/** Attaching tracks to <video>/<audio> elements, which take a MediaStream through a property, not an attribute. */
import type { Attachment } from 'svelte/attachments';

/**
 * Plays `track` in the element while attached. Autoplay can still be refused (no user gesture yet);
 * the element then starts on the next play() the browser allows, so the refusal is only logged.
 */
export function playTrack(track: MediaStreamTrack | null | undefined): Attachment<HTMLMediaElement> {
  return (element) => {
    if (!track) return;
    element.srcObject = new MediaStream([track]);
    element.play().catch((error: unknown) => {
      if (error instanceof DOMException && error.name === 'AbortError') return; // replaced by a newer track
      console.warn('media element did not start playing', error);
    });
    return () => {
      element.srcObject = null;
    };
  };
}
