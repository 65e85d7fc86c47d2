/**
 * Requests a client sends to the server (`{ kind: 'request', id, method, data }`), each with the schema
 * of its `data` and the type of the `data` its successful response carries.
 */
import { z } from 'zod';
import type {
  DtlsParameters,
  IceCandidate,
  IceParameters,
  RtpCapabilities,
  SctpParameters,
  SctpStreamParameters,
} from 'mediasoup-client/types';
import { MAX_DISPLAY_NAME_LENGTH, ROOM_ID_PATTERN } from './limits.js';
import {
  dtlsParametersSchema,
  mediaSourceSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
  sctpCapabilitiesSchema,
  sctpStreamParametersSchema,
} from './media.js';
import { CHAT_LABEL, type ChatMessage, type ChatSnapshot } from './chat.js';
import { outgoingChatSchema } from './chat-schema.js';
import type { MediaSource } from './media.js';
import { muteStateSchema, p2pRequestSchemas, type IceServer } from './p2p.js';
import type { Grants, ModerationResponseData, RoomAccess } from './moderation.js';
import { joinTokenSchema, moderationRequestSchemas } from './moderation-schema.js';
import type { PeerInfo } from './peer.js';

const objectId = z.string().min(1).max(64);

const videoSizeSchema = z.strictObject({ width: z.int().min(1).max(8192), height: z.int().min(1).max(8192) });

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Display names: trimmed, non-empty, no control characters (they break layouts and logs). */
export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'display name is empty')
  .max(MAX_DISPLAY_NAME_LENGTH, `display name is longer than ${MAX_DISPLAY_NAME_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex
  .refine((name) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name), 'display name has control characters')
  // Half of a surrogate pair is half a character: it shows as a replacement box on every screen.
  .refine((name) => !LONE_SURROGATE.test(name), 'display name has a broken character (a lone surrogate)');

export const roomIdSchema = z.string().regex(ROOM_ID_PATTERN, 'room id must be 1-64 letters, digits, "-" or "_"');

/** Schemas of every client request's `data`, keyed by method. */
export const clientRequestSchemas = {
  /** Enter a room. The server assigns the peer id; the first message of every connection. */
  join: z.strictObject({
    roomId: roomIdSchema,
    displayName: displayNameSchema,
    /** What the person muted before joining, so nobody sees them unmuted for a moment. */
    muted: muteStateSchema.default({ mic: false, camera: false }),
    /**
     * A join token (JWT) from the operator: required when the server does not allow open joins. Its
     * identity, name and grants replace anything the client says about itself.
     */
    token: joinTokenSchema.optional(),
  }),
  /**
   * Ask to enter a room whose access is `lobby` (after `join` failed with LOBBY). Moderators are asked;
   * the answer comes as `knockAnswered`, then the client sends `join` on the same connection.
   */
  knock: z.strictObject({
    roomId: roomIdSchema,
    displayName: displayNameSchema,
    token: joinTokenSchema.optional(),
  }),
  /** Moderation: mute or remove others, lock the room, answer knocks (moderation-schema.ts). */
  ...moderationRequestSchemas,
  /** Declare what this device can receive; the server then starts sending `newConsumer` requests. */
  setCapabilities: z.strictObject({
    rtpCapabilities: rtpCapabilitiesSchema,
    sctpCapabilities: sctpCapabilitiesSchema.optional(),
  }),
  /** Create a WebRTC transport on the server for sending or receiving. At most one of each. */
  createTransport: z.strictObject({
    direction: z.enum(['send', 'recv']),
    sctp: z.boolean().default(false),
  }),
  connectTransport: z.strictObject({
    transportId: objectId,
    dtlsParameters: dtlsParametersSchema,
  }),
  restartIce: z.strictObject({ transportId: objectId }),
  produce: z.strictObject({
    transportId: objectId,
    kind: z.enum(['audio', 'video']),
    rtpParameters: rtpParametersSchema,
    source: mediaSourceSchema,
    paused: z.boolean().default(false),
    /**
     * A video's capture size (the top simulcast layer). Receivers pick the layer fitting their tile
     * from it; without it they assume 1280x720.
     */
    videoSize: videoSizeSchema.optional(),
  }),
  closeProducer: z.strictObject({ producerId: objectId }),
  pauseProducer: z.strictObject({ producerId: objectId }),
  resumeProducer: z.strictObject({ producerId: objectId }),
  pauseConsumer: z.strictObject({ consumerId: objectId }),
  resumeConsumer: z.strictObject({ consumerId: objectId }),
  setConsumerPreferredLayers: z.strictObject({
    consumerId: objectId,
    spatialLayer: z.int().min(0).max(7),
    temporalLayer: z.int().min(0).max(7).optional(),
  }),
  /** Open this peer's chat DataProducer on its send transport (SCTP). Only the `chat` label exists. */
  produceData: z.strictObject({
    transportId: objectId,
    sctpStreamParameters: sctpStreamParametersSchema,
    label: z.literal(CHAT_LABEL),
    protocol: z.string().max(64).default(''),
  }),
  /** Subscribe this peer's receive transport to the room's chat relay (one DataConsumer per peer). */
  consumeChat: z.strictObject({ transportId: objectId }),
  /** Send one chat message over signaling: the path when no chat DataProducer is open (e.g. P2P mode). */
  sendChat: outgoingChatSchema,
  /** The room's recent chat, raised hands and chat limits; `afterSeq` limits it to newer messages. */
  chatState: z.strictObject({
    afterSeq: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** The numbering `afterSeq` is in (a snapshot's `logId`); another one means: send everything. */
    logId: z.string().min(1).max(64).optional(),
  }),
  /** Leave the room; the server answers, then closes the socket with CLOSE_CODES.LEFT. */
  leave: z.strictObject({}),
  /** Peer-to-peer sessions and mute state (p2p.ts). */
  ...p2pRequestSchemas,
  /**
   * Take back a session whose connection broke: the first request of the new connection, instead of
   * `join`, within the grace period (`resumeGraceMs` of the join answer). The token proves it is the
   * same client; the peer id alone is public and proves nothing.
   */
  resume: z.strictObject({
    roomId: roomIdSchema,
    peerId: objectId,
    resumeToken: z.string().min(16).max(128),
  }),
  /** Keep-alive: a client that has heard nothing for a while asks, to find out whether the socket still works. */
  ping: z.strictObject({}),
} as const;

export type ClientRequestMethod = keyof typeof clientRequestSchemas;

/** What a client puts in `data` (defaults may be omitted). */
export type ClientRequestInput<M extends ClientRequestMethod> = z.input<(typeof clientRequestSchemas)[M]>;

/** What the server sees in `data` after validation (defaults filled in). */
export type ClientRequestData<M extends ClientRequestMethod> = z.output<(typeof clientRequestSchemas)[M]>;

export interface TransportOptions {
  transportId: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
  sctpParameters?: SctpParameters;
}

/** What a client needs to set up its DataConsumer of the room's chat relay. */
export interface ChatConsumerOptions {
  dataConsumerId: string;
  dataProducerId: string;
  sctpStreamParameters: SctpStreamParameters;
  label: string;
  protocol: string;
}

/** The `data` of a successful response, per method. */
export interface ClientResponseData extends ModerationResponseData {
  join: {
    peerId: string;
    roomId: string;
    routerRtpCapabilities: RtpCapabilities;
    /** Everyone else already in the room, oldest first. */
    peers: PeerInfo[];
    /** What this participant may do (from its token, or the open-room default). */
    grants: Grants;
    /** Who may come in now (`open`, `lobby`, `locked`). */
    access: RoomAccess;
    /**
     * STUN/TURN servers for this client's media connections (SFU transports and P2P), with TURN
     * credentials made for this peer; they expire (TURN_CREDENTIAL_TTL).
     */
    iceServers: IceServer[];
    /** Secret for `resume`: keep it in memory only. A new one comes with every successful resume. */
    resumeToken: string;
    /** How long after a broken connection the server keeps this peer for `resume` (0: it does not). */
    resumeGraceMs: number;
    /**
     * In a cluster: the signaling URLs of the other live nodes. If this node stops answering, `resume`
     * on one of them (it redirects with MOVED if the session lives elsewhere).
     */
    nodeUrls?: string[];
  };
  setCapabilities: Record<string, never>;
  createTransport: TransportOptions;
  connectTransport: Record<string, never>;
  restartIce: { iceParameters: IceParameters };
  produce: { producerId: string };
  closeProducer: Record<string, never>;
  pauseProducer: Record<string, never>;
  resumeProducer: Record<string, never>;
  pauseConsumer: Record<string, never>;
  resumeConsumer: Record<string, never>;
  setConsumerPreferredLayers: Record<string, never>;
  produceData: { dataProducerId: string };
  consumeChat: ChatConsumerOptions;
  /** The message as the server stamped and delivered it (also the answer to a repeated id). */
  sendChat: { message: ChatMessage };
  chatState: ChatSnapshot;
  leave: Record<string, never>;
  p2pSignal: Record<string, never>;
  p2pReport: Record<string, never>;
  setMuted: Record<string, never>;
  resume: ResumedSession;
  ping: Record<string, never>;
}

/**
 * What a resumed client needs to catch up with what it may have missed while it was away. Anything the
 * server sent to the broken socket may have been lost, so this is the truth to reconcile with.
 */
export interface ResumedSession {
  peerId: string;
  /** The token for the next resume; the one just used is spent. */
  resumeToken: string;
  resumeGraceMs: number;
  routerRtpCapabilities: RtpCapabilities;
  /** Everyone else in the room now, oldest first. */
  peers: PeerInfo[];
  /**
   * This peer's transports that still exist: restart ICE on them. If one of yours is missing, the media
   * server restarted meanwhile and media must be set up again (as after `mediaReset`).
   */
  transportIds: string[];
  /** This peer's producers as the server has them (close any it does not list; match `paused`). */
  producers: { producerId: string; source: MediaSource; paused: boolean }[];
  /**
   * This peer's consumers still open (drop any it does not list). Producers it missed while away are
   * offered with `newConsumer` requests right after this answer.
   */
  consumers: { consumerId: string; producerPaused: boolean }[];
}
