/**
 * Getting the camera and microphone, with messages a person can act on when it fails. Missing or
 * refused devices are normal (a desktop without a camera, a denied prompt): the caller still joins.
 */

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
  problem: string | null;
}

type DeviceLabel = 'camera' | 'microphone' | 'camera and microphone';

function canCapture(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/** A sentence explaining a getUserMedia failure. */
export function describeMediaError(error: unknown, what: DeviceLabel): string {
  const name = error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Access to the ${what} was denied.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} is in use by another application or could not be started.`;
    default:
      return `The ${what} could not be used${error instanceof Error ? ` (${error.message})` : ''}.`;
  }
}

async function captureOne(kind: 'audio' | 'video'): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia(
    kind === 'audio' ? { audio: MIC_CONSTRAINTS } : { video: CAMERA_CONSTRAINTS },
  );
  const [track] = kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks();
  if (!track) throw new DOMException(`no ${kind} track`, 'NotFoundError');
  return track;
}

/** A fresh camera track (used again when the camera is turned back on). */
export function captureCamera(): Promise<MediaStreamTrack> {
  if (!canCapture()) return Promise.reject(new DOMException('no media devices API', 'NotSupportedError'));
  return captureOne('video');
}

/** A fresh microphone track. */
export function captureMic(): Promise<MediaStreamTrack> {
  if (!canCapture()) return Promise.reject(new DOMException('no media devices API', 'NotSupportedError'));
  return captureOne('audio');
}

/**
 * Asks for both at once (one permission prompt); if that fails for a reason other than a refusal,
 * tries each alone so a missing camera does not cost the microphone. `withCamera: false` asks for the
 * microphone only (the camera was switched off before).
 */
export async function captureMicAndCamera({ withCamera = true } = {}): Promise<AcquiredMedia> {
  if (!canCapture()) {
    return {
      mic: null,
      camera: null,
      problem: 'This page cannot use a camera or microphone (it needs https:// or localhost).',
    };
  }
  if (!withCamera) {
    try {
      return { mic: await captureOne('audio'), camera: null, problem: null };
    } catch (error) {
      return { mic: null, camera: null, problem: describeMediaError(error, 'microphone') };
    }
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: MIC_CONSTRAINTS, video: CAMERA_CONSTRAINTS });
    return { mic: stream.getAudioTracks()[0] ?? null, camera: stream.getVideoTracks()[0] ?? null, problem: null };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotAllowedError') {
      return { mic: null, camera: null, problem: describeMediaError(error, 'camera and microphone') };
    }
  }
  const [mic, camera] = await Promise.allSettled([captureOne('audio'), captureOne('video')]);
  const problems: string[] = [];
  if (mic.status === 'rejected') problems.push(describeMediaError(mic.reason, 'microphone'));
  if (camera.status === 'rejected') problems.push(describeMediaError(camera.reason, 'camera'));
  return {
    mic: mic.status === 'fulfilled' ? mic.value : null,
    camera: camera.status === 'fulfilled' ? camera.value : null,
    problem: problems.length > 0 ? problems.join(' ') : null,
  };
}
