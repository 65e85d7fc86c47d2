/**
 * This person's screen share: the captured screen (and its sound, when the browser offers it). It owns
 * those tracks: only it stops them. The browser's own "Stop sharing" ends the video track, which ends
 * the share here too.
 */
import { LocalizedError } from '../i18n/index.js';
import { describeMediaError } from '../media/local-devices.js';

export class LocalScreen {
  track = $state.raw<MediaStreamTrack | null>(null);
  audioTrack = $state.raw<MediaStreamTrack | null>(null);
  /** The share ended outside the app (the browser's stop button, the shared window closed). */
  onEnded: (() => void) | null = null;

  get sharing(): boolean {
    return this.track !== null;
  }

  /** Asks the browser for a screen, window or tab; throws a LocalizedError when it cannot. */
  async start(): Promise<{ video: MediaStreamTrack; audio: MediaStreamTrack | null }> {
    if (typeof navigator.mediaDevices?.getDisplayMedia !== 'function') {
      throw new LocalizedError(describeMediaError(new DOMException('no getDisplayMedia', 'NotSupportedError'), 'screen'));
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({
        // Text stays sharp at a modest frame rate; the encoder spends bits on detail, not motion.
        video: { frameRate: { ideal: 15, max: 30 } },
        audio: true,
      });
    } catch (error) {
      throw new LocalizedError(describeMediaError(error, 'screen'), { cause: error });
    }
    const video = stream.getVideoTracks()[0];
    const audio = stream.getAudioTracks()[0] ?? null;
    if (!video) {
      for (const track of stream.getTracks()) track.stop();
      throw new LocalizedError(describeMediaError(new DOMException('no video track', 'NotFoundError'), 'screen'));
    }
    // 'detail' keeps resolution and drops frame rate under pressure: slides and code stay readable.
    video.contentHint = 'detail';
    video.addEventListener('ended', () => {
      if (this.track !== video) return;
      this.stop();
      this.onEnded?.();
    });
    this.stop();
    this.track = video;
    this.audioTrack = audio;
    return { video, audio };
  }

  stop(): void {
    this.track?.stop();
    this.audioTrack?.stop();
    this.track = null;
    this.audioTrack = null;
  }
}
