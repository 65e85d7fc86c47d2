/**
 * Getting the camera and microphone, with messages a person can act on when it fails. Missing or
 * refused devices are normal (a desktop without a camera, a denied prompt): the caller still joins.
 */

import { message, type Message, type PlainKey } from '../i18n/index.js';

const CAMERA_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};

const MIC_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export interface AcquiredMedia {
  mic: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  /** Why one or both are missing, ready to show; null when both were obtained. */
  problem: Message | null;
}

export type DeviceLabel = 'camera' | 'microphone' | 'camera and microphone' | 'screen';

const DEVICE_WORDS: { readonly [D in DeviceLabel]: PlainKey } = {
  camera: 'device.camera',
  microphone: 'device.microphone',
  'camera and microphone': 'device.cameraAndMicrophone',
  screen: 'device.screen',
};

function canCapture(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/** A sentence explaining a getUserMedia failure. */
export function describeMediaError(error: unknown, what: DeviceLabel): Message {
  const name = error instanceof DOMException ? error.name : '';
  const device = message(DEVICE_WORDS[what]);
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return message('media.error.denied', { device });
    case 'NotFoundError':
    case 'OverconstrainedError':
      return message('media.error.notFound', { device });
    case 'NotReadableError':
    case 'AbortError':
      return message('media.error.busy', { device });
    default:
      return error instanceof Error
        ? message('media.error.other', { device, detail: error.message })
        : message('media.error.otherNoDetail', { device });
  }
}

/** The word for a device, e.g. inside "Could not send your {device}". */
export function deviceWord(what: DeviceLabel): Message {
  return message(DEVICE_WORDS[what]);
}

/**
 * A device the person chose. `exact` (an explicit switch) fails if it is gone; otherwise it is only
 * preferred (a remembered choice), so an unplugged favourite falls back to the default device.
 * Chromium ignores an `ideal` deviceId (measured with its fake cameras: it opens the first camera
 * anyway), so a preferred device is asked for as `exact` first and, if it is gone, without it.
 */
export interface DeviceChoice {
  deviceId: string | null;
  exact?: boolean;
}

/** `base` on exactly this device, or on the browser's default one. */
function constraintsFor(base: MediaTrackConstraints, deviceId: string | null | undefined): MediaTrackConstraints {
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
}

/** The device is not there (unplugged, or a remembered id from another machine). */
function isMissing(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'OverconstrainedError' || name === 'NotFoundError';
}

async function captureOne(kind: 'audio' | 'video', choice?: DeviceChoice): Promise<MediaStreamTrack> {
  if (!choice?.deviceId || choice.exact) return captureExactly(kind, choice?.deviceId);
  try {
    return await captureExactly(kind, choice.deviceId);
  } catch (error) {
    if (!isMissing(error)) throw error;
    return captureExactly(kind, null);
  }
}

async function captureExactly(kind: 'audio' | 'video', deviceId: string | null | undefined): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia(
    kind === 'audio' ? { audio: constraintsFor(MIC_CONSTRAINTS, deviceId) } : { video: constraintsFor(CAMERA_CONSTRAINTS, deviceId) },
  );
  const [track] = kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks();
  if (!track) throw new DOMException(`no ${kind} track`, 'NotFoundError');
  return track;
}

/** A fresh camera track (used again when the camera is turned back on). */
export function captureCamera(choice?: DeviceChoice): Promise<MediaStreamTrack> {
  if (!canCapture()) return Promise.reject(new DOMException('no media devices API', 'NotSupportedError'));
  return captureOne('video', choice);
}

/** A fresh microphone track. */
export function captureMic(choice?: DeviceChoice): Promise<MediaStreamTrack> {
  if (!canCapture()) return Promise.reject(new DOMException('no media devices API', 'NotSupportedError'));
  return captureOne('audio', choice);
}

/**
 * Asks for both at once (one permission prompt); if that fails for a reason other than a refusal,
 * tries each alone so a missing camera does not cost the microphone. `withCamera: false` asks for the
 * microphone only (the camera was switched off before).
 */
export async function captureMicAndCamera({
  withCamera = true,
  micId = null,
  cameraId = null,
}: { withCamera?: boolean; micId?: string | null; cameraId?: string | null } = {}): Promise<AcquiredMedia> {
  const mic = { deviceId: micId };
  const camera = { deviceId: cameraId };
  if (!canCapture()) {
    return {
      mic: null,
      camera: null,
      problem: message('media.error.insecure'),
    };
  }
  if (!withCamera) {
    try {
      return { mic: await captureOne('audio', mic), camera: null, problem: null };
    } catch (error) {
      return { mic: null, camera: null, problem: describeMediaError(error, 'microphone') };
    }
  }
  try {
    // `exact` (see DeviceChoice): if a remembered device is gone, each is tried alone below, with fallback.
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: constraintsFor(MIC_CONSTRAINTS, micId),
      video: constraintsFor(CAMERA_CONSTRAINTS, cameraId),
    });
    return { mic: stream.getAudioTracks()[0] ?? null, camera: stream.getVideoTracks()[0] ?? null, problem: null };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotAllowedError') {
      return { mic: null, camera: null, problem: describeMediaError(error, 'camera and microphone') };
    }
  }
  const [micResult, cameraResult] = await Promise.allSettled([captureOne('audio', mic), captureOne('video', camera)]);
  const micProblem = micResult.status === 'rejected' ? describeMediaError(micResult.reason, 'microphone') : null;
  const cameraProblem = cameraResult.status === 'rejected' ? describeMediaError(cameraResult.reason, 'camera') : null;
  return {
    mic: micResult.status === 'fulfilled' ? micResult.value : null,
    camera: cameraResult.status === 'fulfilled' ? cameraResult.value : null,
    problem:
      micProblem && cameraProblem
        ? message('common.twoSentences', { first: micProblem, second: cameraProblem })
        : (micProblem ?? cameraProblem),
  };
}
