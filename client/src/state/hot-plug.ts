/**
 * Following devices that come and go during a meeting (hot-plug): a device in use was unplugged (its
 * track ended, or it left the list) while others remain, so carry on with the default one; or the
 * chosen device came back (a headset plugged in again), so return to it. The person's choice is kept
 * either way; with no device of that kind left, the device is lost (the room shows it muted or off).
 *
 * Browsers end the track and fire `devicechange` in either order for one unplug, so both lead here,
 * and the reactions run one after another: two at once would open two replacement devices.
 */
import type { MediaDevicesState } from './devices.svelte.js';
import type { LocalMedia } from './local-media.svelte.js';

export interface HotPlugOptions {
  local: LocalMedia;
  devices: MediaDevicesState;
  /** Switches the device in use without remembering it as the person's choice. */
  switchTo(kind: 'mic' | 'camera', deviceId: string): Promise<void>;
  /** No device replaced a lost one. */
  lost(kind: 'mic' | 'camera'): Promise<void>;
}

export class HotPlug {
  readonly #options: HotPlugOptions;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: HotPlugOptions) {
    this.#options = options;
  }

  /** Queues a reaction; `refresh`: read the device list first (a track ended by itself). */
  follow({ refresh = false } = {}): void {
    this.#queue = this.#queue
      .then(async () => {
        if (refresh) await this.#options.devices.refresh();
        await this.#followDevices();
      })
      .catch((error: unknown) => console.warn('following a device change failed', error));
  }

  async #followDevices(): Promise<void> {
    const { local, devices } = this.#options;
    for (const kind of ['mic', 'camera'] as const) {
      const localTrack = () => (kind === 'mic' ? local.micTrack : local.cameraTrack);
      const track = localTrack();
      if (!track) continue;
      const inUse = track.getSettings().deviceId;
      const next = inUse ? devices.replacementFor(kind, inUse, { lost: track.readyState === 'ended' }) : null;
      if (next) await this.#options.switchTo(kind, next);
      const now = localTrack();
      if (!now || now.readyState === 'ended') await this.#options.lost(kind);
    }
  }
}
