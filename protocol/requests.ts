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
} from 'mediasoup-client/types';
import { MAX_DISPLAY_NAME_LENGTH, ROOM_ID_PATTERN } from './limits.js';
import {
  dtlsParametersSchema,
  mediaSourceSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
  sctpCapabilitiesSchema,
} from './media.js';
import type { PeerInfo } from './peer.js';

const objectId = z.string().min(1).max(64);

/** Display names: trimmed, non-empty, no control characters (they break layouts and logs). */
export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'display name is empty')
  .max(MAX_DISPLAY_NAME_LENGTH, `display name is longer than ${MAX_DISPLAY_NAME_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex
  .refine((name) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name), 'display name has control characters');

export const roomIdSchema = z.string().regex(ROOM_ID_PATTERN, 'room id must be 1-64 letters, digits, "-" or "_"');

/** Schemas of every client request's `data`, keyed by method. */
export const clientRequestSchemas = {
  /** Enter a room. The server assigns the peer id; the first message of every connection. */
  join: z.strictObject({
    roomId: roomIdSchema,
    displayName: displayNameSchema,
  }),
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
  /** Leave the room; the server answers, then closes the socket with CLOSE_CODES.LEFT. */
  leave: z.strictObject({}),
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

/** The `data` of a successful response, per method. */
export interface ClientResponseData {
  join: {
    peerId: string;
    roomId: string;
    routerRtpCapabilities: RtpCapabilities;
    /** Everyone else already in the room, oldest first. */
    peers: PeerInfo[];
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
  leave: Record<string, never>;
}
