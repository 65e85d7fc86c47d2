/**
 * Structural schemas for the mediasoup parameter objects that travel over signaling. They check shape
 * and bound every array and string so a hostile client cannot make the server chew on megabytes; the
 * deep semantic checks (codec matching, payload types) stay with mediasoup, which rejects bad values
 * with a TypeError that the server turns into a BAD_REQUEST response.
 */
import { z } from 'zod';
import type {
  DtlsParameters,
  RtpCapabilities,
  RtpParameters,
  SctpCapabilities,
  SctpStreamParameters,
} from 'mediasoup-client/types';

const shortString = z.string().max(256);
const smallInt = z.int().min(0).max(0xffffffff);
const parameterValues = z.record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean()]));

const codec = z.looseObject({
  mimeType: z.string().regex(/^(audio|video)\/[\w.-]{1,32}$/),
  payloadType: z.int().min(0).max(127).optional(),
  preferredPayloadType: z.int().min(0).max(127).optional(),
  clockRate: z.int().min(1).max(1_000_000),
  channels: z.int().min(1).max(8).optional(),
  parameters: parameterValues.optional(),
  rtcpFeedback: z.array(z.looseObject({ type: z.string().max(32), parameter: z.string().max(32).optional() })).max(16).optional(),
});

const headerExtension = z.looseObject({
  uri: shortString,
  id: z.int().min(1).max(255).optional(),
  preferredId: z.int().min(1).max(255).optional(),
});

const encoding = z.looseObject({
  ssrc: smallInt.optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: z.int().min(0).max(127).optional(),
  rtx: z.looseObject({ ssrc: smallInt }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().min(1).max(64).optional(),
  maxBitrate: z.number().min(0).max(100_000_000).optional(),
});

export const rtpCapabilitiesSchema = z.looseObject({
  codecs: z.array(codec).max(64).optional(),
  headerExtensions: z.array(headerExtension).max(32).optional(),
}) as unknown as z.ZodType<RtpCapabilities>;

export const rtpParametersSchema = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(codec).min(1).max(16),
  headerExtensions: z.array(headerExtension).max(32).optional(),
  encodings: z.array(encoding).max(8).optional(),
  rtcp: z.looseObject({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional() }).optional(),
}) as unknown as z.ZodType<RtpParameters>;

export const dtlsParametersSchema = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.looseObject({ algorithm: z.string().max(16), value: z.string().max(256) })).min(1).max(8),
}) as unknown as z.ZodType<DtlsParameters>;

export const sctpCapabilitiesSchema = z.looseObject({
  numStreams: z.looseObject({ OS: z.int().min(1).max(65535), MIS: z.int().min(1).max(65535) }),
}) as unknown as z.ZodType<SctpCapabilities>;

export const sctpStreamParametersSchema = z.looseObject({
  streamId: z.int().min(0).max(65534),
  ordered: z.boolean().optional(),
  maxPacketLifeTime: z.int().min(0).optional(),
  maxRetransmits: z.int().min(0).optional(),
}) as unknown as z.ZodType<SctpStreamParameters>;

/** What a media track carries, so the UI can place it (camera tile, screen share, ...). */
export const MEDIA_SOURCES = ['mic', 'camera', 'screen', 'screen-audio'] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];
export const mediaSourceSchema = z.enum(MEDIA_SOURCES);

/** The kind a source must have: a client cannot send video labelled as a microphone. */
export const KIND_OF_SOURCE: Record<MediaSource, 'audio' | 'video'> = {
  mic: 'audio',
  camera: 'video',
  screen: 'video',
  'screen-audio': 'audio',
};
