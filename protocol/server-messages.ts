/**
 * What the server sends on its own: requests the client must answer (`{ kind: 'request', ... }`) and
 * notifications that need no answer (`{ kind: 'notification', method, data }`).
 */
import type { RtpParameters } from 'mediasoup-client/types';
import type { ErrorBody } from './envelope.js';
import type { MediaSource } from './media.js';
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
      /** The sender has muted this track; show it as muted until `consumerResumed`. */
      producerPaused: boolean;
    };
    response: Record<string, never>;
  };
}

export type ServerRequestMethod = keyof ServerRequests;

/** Notifications from the server, keyed by method, with their `data`. */
export interface ServerNotifications {
  peerJoined: { peer: PeerInfo };
  peerLeft: { peerId: string };
  /** The consumer is gone (its producer closed, or its peer left); remove it from the UI. */
  consumerClosed: { consumerId: string };
  /** The remote sender muted the track this consumer plays. */
  consumerPaused: { consumerId: string };
  /** The remote sender unmuted the track this consumer plays. */
  consumerResumed: { consumerId: string };
  /** The server closed one of this peer's producers (e.g. its transport failed). */
  producerClosed: { producerId: string };
  /** A message could not be answered because it had no usable request id (bad JSON, binary frame). */
  error: ErrorBody;
}

export type ServerNotificationMethod = keyof ServerNotifications;
