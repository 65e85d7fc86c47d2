/**
 * The local camera and microphone: the tracks, whether each is on, and why one is missing. It outlives
 * a media session (the pre-join preview becomes the published track; a rejoin reuses it), so it owns
 * the tracks and is the only place that stops them.
 */
import { LocalizedError, message, type Message } from '../i18n/index.js';
import { captureCamera, captureMic, captureMicAndCamera, describeMediaError } from '../media/local-devices.js';

export class LocalMedia {
  micTrack = $state.raw<MediaStreamTrack | null>(null);
  cameraTrack = $state.raw<MediaStreamTrack | null>(null);
  /** The person's choice; the mic track may still exist while muted. */
  micEnabled = $state(true);
  /** Off means no camera track at all, so the camera light goes off. */
  cameraEnabled = $state(true);
  /** Why a device is unavailable, for the pre-join screen; null when all is well. */
  problem = $state<Message | null>(null);
  starting = $state(false);
  /**
   * Called when the current track of a device ends on its own (unplugged, permission revoked). The
   * ended track stays in place meanwhile: the room tries another device and calls `markLost` if none
   * works. Without a handler the device is marked lost at once.
   */
  onDeviceLost: ((kind: 'mic' | 'camera') => void) | null = null;
  /** The devices to open (the person's choice; null: the browser's default). */
  deviceIds: { mic: string | null; camera: string | null } = { mic: null, camera: null };

  #start: Promise<void> | null = null;
  // Bumped by stop(): a capture that finishes after it must release its device, not show it.
  #generation = 0;

  /** Opens the camera and mic once; later calls wait for the same attempt. */
  start(): Promise<void> {
    this.#start ??= this.#acquire();
    return this.#start;
  }

  setMicEnabled(enabled: boolean): void {
    this.micEnabled = enabled;
    if (this.micTrack) this.micTrack.enabled = enabled;
  }

  /** Gets a mic track if there is none yet (it was refused or missing before). */
  async ensureMic(): Promise<MediaStreamTrack> {
    if (this.micTrack) return this.micTrack;
    const track = await this.#capture('mic');
    this.micTrack = track;
    return track;
  }

  /** Turns the camera on with a fresh track; throws a LocalizedError if it cannot. */
  async turnCameraOn(): Promise<MediaStreamTrack> {
    if (this.cameraTrack && this.cameraTrack.readyState === 'live') {
      this.cameraEnabled = true;
      return this.cameraTrack;
    }
    const track = await this.#capture('camera');
    this.cameraTrack = track;
    this.cameraEnabled = true;
    return track;
  }

  /** Stops the camera track, not just disables it: the camera light must go off. */
  turnCameraOff(): void {
    this.cameraTrack?.stop();
    this.cameraTrack = null;
    this.cameraEnabled = false;
  }

  /** Releases both devices; `start()` afterwards opens them again. */
  stop(): void {
    this.micTrack?.stop();
    this.cameraTrack?.stop();
    this.micTrack = null;
    this.cameraTrack = null;
    this.#start = null;
    this.#generation++;
  }

  async #acquire(): Promise<void> {
    this.starting = true;
    const generation = this.#generation;
    try {
      const wantCamera = this.cameraEnabled;
      const media = await captureMicAndCamera({ withCamera: wantCamera, micId: this.deviceIds.mic, cameraId: this.deviceIds.camera });
      if (generation !== this.#generation) {
        media.mic?.stop();
        media.camera?.stop();
        return;
      }
      if (media.mic) {
        this.#watch(media.mic, 'mic');
        media.mic.enabled = this.micEnabled;
      }
      if (media.camera) this.#watch(media.camera, 'camera');
      this.micTrack = media.mic;
      this.cameraTrack = media.camera;
      this.problem = media.problem;
      if (!media.mic) this.micEnabled = false;
      if (!media.camera) this.cameraEnabled = false;
      // The camera was switched off while the prompt was open: honour that.
      else if (!this.cameraEnabled) this.turnCameraOff();
    } finally {
      this.starting = false;
    }
  }

  /**
   * Opens another device for a live track and makes it the current one; the old track is stopped. The
   * caller swaps it on the media path. Keeps the mute state; a camera that is off only remembers the id.
   */
  async switchDevice(kind: 'mic' | 'camera', deviceId: string): Promise<MediaStreamTrack | null> {
    this.deviceIds[kind] = deviceId;
    const current = kind === 'mic' ? this.micTrack : this.cameraTrack;
    if (kind === 'camera' && !this.cameraEnabled) return null;
    if (current?.getSettings().deviceId === deviceId && current.readyState === 'live') return current;
    // Release the old camera first: many cameras cannot be opened twice, and some laptops have one pipe.
    if (kind === 'camera') current?.stop();
    let track: MediaStreamTrack;
    try {
      // `exact`: the person picked this device, so opening another one instead would be wrong (with
      // `ideal` Chromium keeps the camera it already had). If it is gone, the error says so. A device
      // remembered from an earlier visit is only `ideal` (see #capture's other callers).
      track = await this.#capture(kind, true);
    } catch (error) {
      // The old camera is released already: show it as off rather than as a frozen picture.
      if (kind === 'camera') this.turnCameraOff();
      throw error;
    }
    if (kind === 'mic') {
      track.enabled = this.micEnabled;
      this.micTrack = track;
    } else {
      this.cameraTrack = track;
    }
    if (kind === 'mic') current?.stop();
    return track;
  }

  async #capture(kind: 'mic' | 'camera', exact = false): Promise<MediaStreamTrack> {
    const generation = this.#generation;
    let track: MediaStreamTrack;
    try {
      const choice = { deviceId: this.deviceIds[kind], exact };
      track = await (kind === 'mic' ? captureMic(choice) : captureCamera(choice));
    } catch (error) {
      throw new LocalizedError(describeMediaError(error, kind === 'mic' ? 'microphone' : 'camera'), { cause: error });
    }
    if (generation !== this.#generation) {
      track.stop();
      throw new LocalizedError(message('media.error.released'));
    }
    this.#watch(track, kind);
    return track;
  }

  /** The device is gone and no other one replaced it: the mic shows muted, the camera off. */
  markLost(kind: 'mic' | 'camera'): void {
    if (kind === 'camera') return this.turnCameraOff();
    this.micTrack?.stop();
    this.micTrack = null;
    this.micEnabled = false;
  }

  #watch(track: MediaStreamTrack, kind: 'mic' | 'camera'): void {
    track.addEventListener(
      'ended',
      () => {
        // A track we replaced or stopped ourselves is not a lost device.
        if ((kind === 'mic' ? this.micTrack : this.cameraTrack) !== track) return;
        // Not marked lost here: the person's mute state must survive a switch to another device.
        if (this.onDeviceLost) this.onDeviceLost(kind);
        else this.markLost(kind);
      },
      { once: true },
    );
  }
}
