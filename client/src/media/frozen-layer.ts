/**
 * Telling that a received SFU video froze on its simulcast layer, from its decoded-frame count.
 *
 * Why the client watches for this: a sending browser stops its upper simulcast layers on its own when
 * its uplink estimate falls or its CPU is short (Chromium's `qualityLimitationReason`), and mediasoup
 * (3.12) notices a layer is gone only after 1.5 s without packets on it (RtpStreamRecv's inactivity
 * check); until then it forwards nothing to the consumers on that layer, whose pictures freeze. Measured
 * in the P2P switch bench: a sender's upper layers stopped under load, and the receiver's tile froze
 * for 1.3-1.6 s. A receiver that sees its frames stop asks for the lowest layer itself (Chromium keeps
 * that one): mediasoup switches at its next keyframe, which it requests at once. In
 * test/e2e/frozen-layer.test.ts the picture comes back ~1 s after the layers stopped (frames read
 * every 0.5 s; every 0.2 s gave 0.5-0.7 s but cost the P2P switch bench more than it saved — A/B, third
 * page here, worst P2P -> SFU gap 484 and 355 ms vs 323 and 197 without the guard; at 0.5 s: 194 vs 302).
 */

/** No new decoded frame for this long, while frames were flowing, is a freeze (the lowest temporal layer of a 20 fps camera runs at 5 fps: 200 ms between frames). */
export const FROZEN_AFTER_MS = 400;
/**
 * How long the lower layer is kept before the wanted one is asked for again: past mediasoup's own
 * inactivity check (1500 ms), so a layer that is still gone is known as such. Asking again is harmless
 * either way: mediasoup moves up only at a keyframe of the higher layer and forwards the lower one until then.
 */
export const RESTORE_AFTER_MS = 3000;

/**
 * A video that should play and has decoded no frame at all for this long is treated the same way: seen
 * in the P2P switch bench, a resumed SFU stream whose sender (bandwidth-limited under load) sent only its
 * lowest layer stayed black for 4 s, mediasoup waiting on the upper layers it had before the pause.
 * Well past a normal start on a loaded machine (a resumed stream there takes up to ~1.5 s): asking for
 * another layer costs the sender a keyframe, and at 1 s it fired on slow but normal starts.
 */
export const NEVER_STARTED_MS = 2000;

/** The decoded-frame history of one video, as the watch keeps it. */
export interface FrameWatch {
  count: number | null;
  /** When `count` last rose. */
  roseAt: number;
  /** When the watch started. */
  startedAt: number;
  /** Frames have risen since the watch started (or since the last freeze). */
  flowing: boolean;
  /** A freeze was already reported for this watch and nothing has flowed since. */
  reported: boolean;
}

export function newFrameWatch(now: number): FrameWatch {
  return { count: null, roseAt: now, startedAt: now, flowing: false, reported: false };
}

/** Takes a new decoded-frame count; true once when the video has frozen or never started. */
export function frozen(watch: FrameWatch, count: number, now: number): boolean {
  if (watch.count === null || count !== watch.count) {
    if (watch.count !== null && count > watch.count) {
      watch.flowing = true;
      watch.reported = false;
    }
    watch.count = count;
    watch.roseAt = now;
    return false;
  }
  if (watch.reported) return false;
  const stuck = watch.flowing ? now - watch.roseAt >= FROZEN_AFTER_MS : now - watch.startedAt >= NEVER_STARTED_MS;
  if (!stuck) return false;
  // Reported once: the next one needs frames to flow again first.
  watch.flowing = false;
  watch.reported = true;
  return true;
}
