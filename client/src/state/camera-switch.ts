/**
 * The "switch camera" button of phones and tablets: front to back and back again. It shows only where
 * there is more than one camera, and goes through the room's device choice, so the new camera replaces
 * the old one on the media path without renegotiating.
 */
import type { RoomState } from './room-state.svelte.js';

type CameraInfo = Pick<MediaDeviceInfo, 'deviceId'> & { getCapabilities?: () => { facingMode?: string[] } };

/**
 * The camera to open next. Where the browser says which way each camera faces (Chromium's
 * `InputDeviceInfo.getCapabilities()`), the first one facing the other way; otherwise the next one in
 * the list, so repeated taps go round every camera (phones often list front, back, ultra-wide...).
 */
export function nextCamera(cameras: readonly CameraInfo[], currentId: string | null, currentFacing: string | undefined): string | null {
  if (cameras.length < 2) return null;
  if (currentFacing === 'user' || currentFacing === 'environment') {
    const wanted = currentFacing === 'user' ? 'environment' : 'user';
    const opposite = cameras.find((camera) => camera.getCapabilities?.().facingMode?.includes(wanted));
    if (opposite) return opposite.deviceId;
  }
  const index = cameras.findIndex((camera) => camera.deviceId === currentId);
  return cameras[(index + 1) % cameras.length]?.deviceId ?? null;
}

/** Whether the button makes sense now: two cameras or more, and the camera on. */
export function canSwitchCamera(room: RoomState): boolean {
  return room.devices.cameras.length >= 2 && room.local.cameraEnabled && room.local.cameraTrack !== null;
}

export async function switchCamera(room: RoomState): Promise<void> {
  const settings = room.local.cameraTrack?.getSettings();
  const next = nextCamera(room.devices.cameras, settings?.deviceId ?? room.devices.chosen.camera, settings?.facingMode);
  if (next) await room.chooseDevice('camera', next);
}

/** A camera facing away from the person is shown as it is; only a selfie view is mirrored. */
export function isMirroredSelfView(track: MediaStreamTrack | null): boolean {
  return track?.getSettings().facingMode !== 'environment';
}
