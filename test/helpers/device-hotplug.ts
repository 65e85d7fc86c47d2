/**
 * Hot-plugging for Chromium's fake devices, which cannot be unplugged for real. An init script wraps
 * `navigator.mediaDevices` in the page:
 * - `enumerateDevices` leaves out the devices that are "unplugged";
 * - `getUserMedia` refuses an unplugged device asked for with `exact` (OverconstrainedError), fails
 *   with NotFoundError when no device of a kind is plugged, and opens a plugged device instead when the
 *   browser's pick is an unplugged one — but it still opens Chromium's real fake devices, so the media a
 *   test measures is real;
 * - unplugging ends the device's live tracks the way the browser does (`stop()`: readyState `ended`
 *   and no more frames, plus the `ended` event) and dispatches `devicechange`.
 * Devices are named by label (`fake_device_0`, `Fake Audio Input 1`, ...): ids differ per context.
 */
import type { Page } from 'playwright-core';

/**
 * When a device goes away the browser both ends its tracks and fires `devicechange`, in no fixed order.
 * `ended-first`: the track ends, then the list changes (in the same task). `list-first`: the list
 * changes and the track ends only after the page has read the new list, while it may be reacting.
 */
export type UnplugOrder = 'ended-first' | 'list-first';

interface HotplugHooks {
  unplug(labels: string[], order: UnplugOrder): number;
  plug(labels: string[]): void;
}

type HotplugGlobal = { __hotplug?: HotplugHooks };

/** The page script; it must be self-contained (Playwright serialises it into the page). */
function installHotplug(initiallyUnplugged: string[]): void {
  const media = navigator.mediaDevices;
  const enumerate = media.enumerateDevices.bind(media);
  const open = media.getUserMedia.bind(media);
  const unplugged = new Set(initiallyUnplugged);
  const opened = new Set<MediaStreamTrack>();
  // list-first: tracks to end once the page has read the list that no longer holds their device.
  let endAfterNextRead: MediaStreamTrack[] = [];

  const endTracks = (tracks: MediaStreamTrack[]) => {
    for (const track of tracks) {
      track.stop();
      track.dispatchEvent(new Event('ended'));
    }
  };
  const liveOn = (labels: string[]) => [...opened].filter((track) => track.readyState === 'live' && labels.includes(track.label));

  media.enumerateDevices = async () => {
    const devices = (await enumerate()).filter((device) => !unplugged.has(device.label));
    if (endAfterNextRead.length > 0) {
      const tracks = endAfterNextRead;
      endAfterNextRead = [];
      setTimeout(() => endTracks(tracks), 0);
    }
    return devices;
  };

  const exactId = (constraint: boolean | MediaTrackConstraints | undefined): string | undefined => {
    const deviceId = typeof constraint === 'object' ? constraint.deviceId : undefined;
    if (typeof deviceId !== 'object' || deviceId === null || Array.isArray(deviceId)) return undefined;
    const exact = (deviceId as ConstrainDOMStringParameters).exact;
    return typeof exact === 'string' ? exact : Array.isArray(exact) ? exact[0] : undefined;
  };

  media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const all = await enumerate();
    const plugged = (kind: 'audio' | 'video') =>
      all.filter((device) => device.kind === `${kind}input` && !unplugged.has(device.label));
    for (const kind of ['audio', 'video'] as const) {
      const constraint = constraints?.[kind];
      if (!constraint) continue;
      if (plugged(kind).length === 0) throw new DOMException('Requested device not found', 'NotFoundError');
      const exact = exactId(constraint);
      if (exact !== undefined && !plugged(kind).some((device) => device.deviceId === exact)) {
        throw new DOMException('The requested device is not plugged in', 'OverconstrainedError');
      }
    }
    const stream = await open(constraints);
    for (const track of stream.getTracks()) {
      if (!unplugged.has(track.label)) continue;
      // The browser's default is unplugged: a real browser would have opened a plugged device.
      const kind = track.kind as 'audio' | 'video';
      track.stop();
      stream.removeTrack(track);
      const constraint = constraints?.[kind];
      const base = typeof constraint === 'object' ? constraint : {};
      const replacement = await open({ [kind]: { ...base, deviceId: { exact: plugged(kind)[0]!.deviceId } } });
      for (const other of replacement.getTracks()) stream.addTrack(other);
    }
    for (const track of stream.getTracks()) opened.add(track);
    return stream;
  };

  (globalThis as HotplugGlobal).__hotplug = {
    unplug(labels, order) {
      for (const label of labels) unplugged.add(label);
      const tracks = liveOn(labels);
      for (const track of [...opened]) if (track.readyState === 'ended') opened.delete(track);
      if (order === 'ended-first') endTracks(tracks);
      else endAfterNextRead = tracks;
      media.dispatchEvent(new Event('devicechange'));
      return tracks.length;
    },
    plug(labels) {
      for (const label of labels) unplugged.delete(label);
      media.dispatchEvent(new Event('devicechange'));
    },
  };
}

/** Installs the wrapper in every document the page loads from now on; call before `goto`. */
export async function simulateHotplug(page: Page, { unpluggedAtStart = [] as string[] } = {}): Promise<void> {
  await page.addInitScript(installHotplug, unpluggedAtStart);
}

/** Unplugs devices by label; returns how many live tracks this ended. */
export function unplug(page: Page, labels: string[], order: UnplugOrder = 'ended-first'): Promise<number> {
  return page.evaluate(([labels, order]) => (globalThis as HotplugGlobal).__hotplug!.unplug(labels, order), [labels, order] as const);
}

/** Plugs devices (back) in by label. */
export function plug(page: Page, labels: string[]): Promise<void> {
  return page.evaluate((labels) => (globalThis as HotplugGlobal).__hotplug!.plug(labels), labels);
}
