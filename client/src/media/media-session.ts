/**
 * What the UI needs from a media path, whichever it is: the SFU (mediasoup) today, direct P2P later.
 * The room state drives a MediaSession and listens to its events; it never sees transports,
 * producers or consumers.
 */
import type { MediaSource } from '../../../protocol/media.js';
import type { Emitter } from '../util/emitter.js';

/** The sources this client can publish (`screen-audio` arrives with screen sharing). */
export type LocalSource = 'mic' | 'camera' | 'screen';

/** A remote track made available to this client. `trackId` is unique within the session. */
export interface RemoteTrack {
  trackId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  track: MediaStreamTrack;
  /** The sender has paused it (muted mic, camera off). */
  muted: boolean;
}

export type MediaConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface MediaSessionEvents {
  remoteTrackAdded: [RemoteTrack];
  remoteTrackRemoved: [{ peerId: string; trackId: string }];
  remoteTrackMuted: [{ peerId: string; trackId: string; muted: boolean }];
  /** The far side stopped taking one of our publications; publish again to restore it. */
  publicationClosed: [{ source: LocalSource }];
  /** The worst state among the session's media connections. */
  connectionState: [MediaConnectionState];
}

export interface InboundStats {
  peerId: string;
  /** The consumer id on the SFU path, the track id on P2P. */
  consumerId: string;
  kind: 'audio' | 'video';
  bytesReceived: number;
  packetsReceived: number;
  framesDecoded?: number;
  frameWidth?: number;
  frameHeight?: number;
  totalSamplesReceived?: number;
}

export interface OutboundStats {
  kind: 'audio' | 'video';
  /** The simulcast layer, when the track is sent in several. */
  rid?: string;
  bytesSent: number;
  framesEncoded?: number;
}

export interface MediaSessionStats {
  inbound: InboundStats[];
  outbound: OutboundStats[];
}

export interface PublishOptions {
  /** Start paused (e.g. the mic was muted before joining). */
  paused?: boolean;
}

export interface MediaSession {
  readonly events: Emitter<MediaSessionEvents>;

  /**
   * Sends a local track for `source`. If the source is already published its track is replaced and its
   * paused state kept. The caller keeps owning the track: the session never stops it.
   */
  publish(source: LocalSource, track: MediaStreamTrack, options?: PublishOptions): Promise<void>;

  /** Swaps the track of a published source without renegotiating (e.g. camera back on, device switch). */
  replaceTrack(source: LocalSource, track: MediaStreamTrack): Promise<void>;

  /** Pauses or resumes sending a source, and tells the others (they show it as muted). */
  setPaused(source: LocalSource, paused: boolean): Promise<void>;

  /** Stops sending a source altogether. */
  unpublish(source: LocalSource): Promise<void>;

  isPublished(source: LocalSource): boolean;

  /** Forgets everything received from a peer that left. */
  removePeer(peerId: string): void;

  stats(): Promise<MediaSessionStats>;

  /** Ends all media. Idempotent; local tracks are left to their owner. */
  close(): void;
}
