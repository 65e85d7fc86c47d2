/**
 * The cameras, microphones and speakers this browser has, and which ones the person chose. Lists follow
 * hot-plugging (`devicechange`); choices are remembered across visits. Switching the device of a live
 * track is the room's job (it replaces the track on the media path without renegotiating).
 */

export type DeviceKind = 'mic' | 'camera' | 'speaker';

const STORAGE_KEY = 'shouwang.devices';
const DEVICE_KIND: Record<DeviceKind, MediaDeviceKind> = { mic: 'audioinput', camera: 'videoinput', speaker: 'audiooutput' };

type Choices = Record<DeviceKind, string | null>;

function loadChoices(): Choices {
  const none: Choices = { mic: null, camera: null, speaker: null };
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    if (typeof stored !== 'object' || stored === null) return none;
    const pick = (key: DeviceKind) => {
      const value = (stored as Record<string, unknown>)[key];
      return typeof value === 'string' && value.length > 0 && value.length < 512 ? value : null;
    };
    return { mic: pick('mic'), camera: pick('camera'), speaker: pick('speaker') };
  } catch {
    return none;
  }
}

/** Chromium and Firefox 116+ can route audio elements to a chosen output; Safari cannot yet. */
export const canChooseSpeaker =
  typeof HTMLMediaElement !== 'undefined' && typeof (HTMLMediaElement.prototype as { setSinkId?: unknown }).setSinkId === 'function';

export class MediaDevicesState {
  mics = $state.raw<MediaDeviceInfo[]>([]);
  cameras = $state.raw<MediaDeviceInfo[]>([]);
  speakers = $state.raw<MediaDeviceInfo[]>([]);
  /** The chosen device per kind; null = the browser's default. */
  chosen = $state<Choices>(loadChoices());
  /** Called after the lists changed because a device was plugged in or out. */
  onDevicesChanged: (() => void) | null = null;
  #listening = false;

  /** Lists devices now and whenever they change. Labels appear once a device permission was granted. */
  async start(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.mediaDevices) return;
    if (!this.#listening) {
      navigator.mediaDevices.addEventListener('devicechange', this.#onDeviceChange);
      this.#listening = true;
    }
    await this.refresh();
  }

  stop(): void {
    if (this.#listening) navigator.mediaDevices.removeEventListener('devicechange', this.#onDeviceChange);
    this.#listening = false;
  }

  async refresh(): Promise<void> {
    let devices: MediaDeviceInfo[];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      return;
    }
    const ofKind = (kind: DeviceKind) => devices.filter((device) => device.kind === DEVICE_KIND[kind] && device.deviceId !== '');
    this.mics = ofKind('mic');
    this.cameras = ofKind('camera');
    this.speakers = canChooseSpeaker ? ofKind('speaker') : [];
  }

  listOf(kind: DeviceKind): MediaDeviceInfo[] {
    return kind === 'mic' ? this.mics : kind === 'camera' ? this.cameras : this.speakers;
  }

  has(kind: DeviceKind, deviceId: string): boolean {
    return this.listOf(kind).some((device) => device.deviceId === deviceId);
  }

  /**
   * After the device list changed (hot-plug), the device to switch to from `inUse`, or null to stay:
   * the chosen one if it came back, else the default (or first) one if `inUse` is gone. `lost`: the
   * track on `inUse` ended by itself (unplugged), so it counts as gone even while the list, read around
   * the same moment, still names it.
   */
  replacementFor(kind: 'mic' | 'camera', inUse: string, { lost = false } = {}): string | null {
    const list = this.listOf(kind).filter((device) => !lost || device.deviceId !== inUse);
    if (list.length === 0) return null;
    const listed = (deviceId: string) => list.some((device) => device.deviceId === deviceId);
    const chosen = this.chosen[kind];
    if (chosen && chosen !== inUse && listed(chosen)) return chosen;
    if (listed(inUse)) return null;
    return (list.find((device) => device.deviceId === 'default') ?? list[0])?.deviceId ?? null;
  }

  choose(kind: DeviceKind, deviceId: string | null): void {
    this.chosen[kind] = deviceId;
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.chosen));
    } catch {
      // Private mode or storage full: the choice holds for this visit only.
    }
  }

  /** The speaker to play through: the chosen one while it is plugged in, else the default (''). */
  get speakerId(): string {
    const chosen = this.chosen.speaker;
    return chosen && this.has('speaker', chosen) ? chosen : '';
  }

  readonly #onDeviceChange = (): void => {
    void this.refresh().then(() => this.onDevicesChanged?.());
  };
}
