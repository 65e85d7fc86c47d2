/**
 * What the server sends on its own: requests the client must answer (`{ kind: 'request', ... }`) and
 * notifications that need no answer (`{ kind: 'notification', method, data }`).
 */
import type { RtpCapabilities, RtpParameters } from 'mediasoup-client/types';
import type { ErrorBody } from './envelope.js';
import type { ChatMessage, ChatRejection } from './chat.js';
import type { MediaSource } from './media.js';
import type { ModerationNotifications } from './moderation.js';
import type { P2PNotifications } from './p2p.js';
import type { PeerInfo } from './peer.js';

/** Requests from the server, keyed by method: the `data` sent and the `data` of the client's answer. */
export interface ServerRequests {
  /**
   * A new consumer for one of another peer's producers. It is created paused on the server and resumed
   * only once the client answers `ok`, so the first keyframe reaches a consumer that is ready for it.
   */
  newConsumer: {
    data: {
      peerId: string;
      producerId: string;
      consumerId: string;
      kind: 'audio' | 'video';
      source: MediaSource;
      rtpParameters: RtpParameters;
      /** `simulcast`, `svc` or `simple`: whether layers can be chosen with setConsumerPreferredLayers. */
      type: string;
      /** The producer is paused (muted, or its room is P2P); nothing flows until `consumerResumed`. */
      producerPaused: boolean;
      /** The sender's capture size for video, when it said (the size of the top simulcast layer). */
      videoSize?: { width: number; height: number };
    };
    response: Record<string, never>;
  };
}

export type ServerRequestMethod = keyof ServerRequests;

/** Notifications from the server, keyed by method, with their `data` (P2P ones are in p2p.ts). */
export interface ServerNotifications extends P2PNotifications, ModerationNotifications {
  peerJoined: { peer: PeerInfo };
  peerLeft: { peerId: string };
  /** The consumer is gone (its producer closed, or its peer left); remove it from the UI. */
  consumerClosed: { consumerId: string };
  /**
   * The producer behind this consumer paused (its sender muted it, or the sender's room went P2P and
   * the SFU path is idle). Not a mute indicator: mute state is `peerMuted` / `PeerInfo.muted`.
   */
  consumerPaused: { consumerId: string };
  /** The producer behind this consumer resumed. */
  consumerResumed: { consumerId: string };
  /** The server closed one of this peer's producers (e.g. its transport failed). */
  producerClosed: { producerId: string };
  /**
   * The room's dominant speaker changed (mediasoup's ActiveSpeakerObserver on the microphones). Also
   * sent once, a second after `setCapabilities`, when the room already has one. `null`: nobody yet.
   */
  activeSpeaker: { peerId: string | null };
  /**
   * How well participants' connections to the server work, sent every few seconds for the peers whose
   * quality (or round-trip time, noticeably) changed since the last report. Includes this peer itself.
   */
  connectionQuality: { peers: PeerConnectionQuality[] };
  /**
   * The layer the server forwards on one of this peer's video consumers changed: it follows the
   * preferred layers, but drops lower when the downlink cannot carry them. `null`: nothing is forwarded.
   */
  consumerLayersChanged: { consumerId: string; spatialLayer: number | null; temporalLayer: number | null };
  /**
   * The room's media server process died and the room was rebuilt on another one: every transport,
   * producer and consumer of the old one is gone. Set media up again (createTransport, setCapabilities,
   * produce) with these capabilities; membership is unchanged.
   */
  mediaReset: { routerRtpCapabilities: RtpCapabilities };
  /**
   * A chat message (or hand, or reaction) for a peer that has no chat DataConsumer open, and the
   * answer to a message sent twice (so its sender knows it arrived). Clients de-duplicate by
   * `sender` + `id`, so a copy that also came over a data channel is shown once.
   */
  chatMessage: ChatMessage;
  /** The server refused one of this peer's chat messages (too long, too fast, malformed); others saw nothing. */
  chatRejected: ChatRejection;
  /** A message could not be answered because it had no usable request id (bad JSON, binary frame). */
  error: ErrorBody;
}

export type ServerNotificationMethod = keyof ServerNotifications;

/**
 * `good`: no noticeable loss and a short round trip; `fair`: some loss or delay (picture may soften);
 * `poor`: heavy loss or a long round trip (freezes, choppy sound likely).
 */
export type ConnectionQualityLevel = 'good' | 'fair' | 'poor';

export interface PeerConnectionQuality {
  peerId: string;
  quality: ConnectionQualityLevel;
  /** Round-trip time between the server and this peer in ms, when measured. */
  rttMs?: number;
}
