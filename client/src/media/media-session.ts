/**
 * What the UI needs from a media path, whichever it is: the SFU (mediasoup) today, direct P2P later.
 * The room state drives a MediaSession and listens to its events; it never sees transports,
 * producers or consumers.
 */
import type { MediaSource } from '../../../protocol/media.js';
import type { ResumedSession } from '../../../protocol/requests.js';
import type { PeerConnectionQuality } from '../../../protocol/server-messages.js';
import type { Emitter } from '../util/emitter.js';

/** The sources this client can publish (`screen-audio`: a shared tab's or screen's sound). */
export type LocalSource = 'mic' | 'camera' | 'screen' | 'screen-audio';

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
  /**
   * The same remote track now plays from another MediaStreamTrack (the media path changed, e.g. SFU to
   * P2P). Media already flows on the new one; keep showing the old one until it renders.
   */
  remoteTrackReplaced: [{ peerId: string; trackId: string; track: MediaStreamTrack }];
  /** The far side stopped taking one of our publications; publish again to restore it. */
  publicationClosed: [{ source: LocalSource }];
  /**
   * Media was set up again from scratch (the server's media process was replaced): new transports,
   * the same publications. Anything else riding on the old transports (the chat data channel) must
   * be opened again.
   */
  mediaRestarted: [];
  /** The worst state among the session's media connections. */
  connectionState: [MediaConnectionState];
  /** The dominant speaker changed (null: nobody yet). */
  activeSpeaker: [{ peerId: string | null }];
  /** Connection quality of some participants (this client's own peer id included) changed. */
  connectionQuality: [PeerConnectionQuality[]];
  /**
   * Whether a received video is held below the size its tile asked for (`setVideoDemand`) because the
   * downlink cannot carry more.
   */
  remoteTrackLimited: [{ peerId: string; trackId: string; limited: boolean }];
  /** Which path media takes and why it last changed (the debug view; the UI never depends on it). */
  mediaPath: [MediaPathInfo];
  /** A direct `chat` data channel to `peerId` exists (P2P only; it may not be open yet). */
  p2pChatChannel: [{ peerId: string; channel: RTCDataChannel }];
}

/**
 * `sfu`: through the server. `p2p`: browser to browser (two-person room). The two others are the
 * handovers between them, during which both paths carry media.
 */
export type MediaMode = 'sfu' | 'p2p-connecting' | 'p2p' | 'p2p-stopping';

export interface MediaPathInfo {
  mode: MediaMode;
  /** The other browser of the P2P session, while there is one. */
  p2pPeerId: string | null;
  /** Why the last P2P session ended or failed; shown in the debug view. */
  lastEnd: { reason: string; detail?: string; at: number } | null;
  /** Recent changes, oldest first; `detail` is a role or a reason code (P2PEndReason, P2P failures). */
  history: Array<{ at: number; event: MediaPathEvent; detail?: string }>;
}

/**
 * What happened to the media path: a P2P session started (`detail`: this browser's role), received the
 * other browser, became the path, was stopped or closed (`detail`: why), failed here (`detail`: how),
 * or the SFU media was late coming back (and the switch went ahead anyway).
 */
export type MediaPathEvent = 'p2p-connecting' | 'p2p-receiving' | 'p2p-active' | 'p2p-stopping' | 'p2p-closed' | 'p2p-failed' | 'sfu-late';

/** How a remote video is shown right now, so the path can send only what is seen, at the size seen. */
export interface VideoDemand {
  /** On screen in at least one element (not scrolled away, not on another page, tab visible). */
  visible: boolean;
  /** Largest rendered size among its elements, in device pixels. */
  width: number;
  height: number;
}

export interface InboundStats {
  peerId: string;
  /** The consumer id on the SFU path, the track id on P2P. */
  consumerId: string;
  kind: 'audio' | 'video';
  source?: MediaSource;
  /** Which path these numbers are from; both exist during a P2P session (the SFU's ones pause). */
  path?: 'sfu' | 'p2p';
  /** Whether the UI plays this path's track now. */
  shown?: boolean;
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

  /**
   * Tells the path how a remote video is shown: a hidden one can stop flowing, a small one can come in
   * a lower simulcast layer. Optional: a path that cannot choose (direct P2P) may ignore it.
   */
  setVideoDemand?(trackId: string, demand: VideoDemand): void;

  /** Forgets everything received from a peer that left. */
  removePeer(peerId: string): void;

  /**
   * The signaling connection broke and was resumed: catch up with the server's view (`session`) and
   * restart ICE, since the network under the media may have changed too.
   */
  resumed(session: ResumedSession): Promise<void>;

  stats(): Promise<MediaSessionStats>;

  /** Ends all media. Idempotent; local tracks are left to their owner. */
  close(): void;
}
