/**
 * Direct (peer-to-peer) media for two-person rooms, and the explicit mute state that makes it possible.
 *
 * The server decides when a room's pair goes P2P and back; it relays the pair's SDP and ICE candidates
 * (checked and size-capped here) and never carries their media. See PROTOCOL.md, "Peer-to-peer".
 */
import { z } from 'zod';
import { MAX_ICE_CANDIDATE_LENGTH, MAX_SDP_LENGTH } from './limits.js';
import { mediaSourceSchema } from './media.js';

/** The sources whose mute state is shared. A screen share is stopped, not muted. */
export const MUTABLE_SOURCES = ['mic', 'camera'] as const;
export type MutableSource = (typeof MUTABLE_SOURCES)[number];

/** What a peer has muted (mic) or switched off (camera). Known to everyone in the room. */
export interface MuteState {
  mic: boolean;
  camera: boolean;
}

export const muteStateSchema = z.strictObject({ mic: z.boolean(), camera: z.boolean() });

const sessionIdSchema = z.string().min(1).max(64);

// SDP is text of lines; anything but CR/LF/TAB among control characters means it is not SDP.
// eslint-disable-next-line no-control-regex
const SDP_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const sdpSchema = z
  .string()
  .max(MAX_SDP_LENGTH, `sdp is longer than ${MAX_SDP_LENGTH} characters`)
  .refine((sdp) => sdp.startsWith('v=0\r\n') || sdp.startsWith('v=0\n'), 'sdp must start with "v=0"')
  .refine((sdp) => !SDP_FORBIDDEN.test(sdp), 'sdp has control characters');

/** RTCIceCandidateInit. An empty `candidate` is the end-of-candidates marker some browsers send. */
const iceCandidateSchema = z.strictObject({
  candidate: z
    .string()
    .max(MAX_ICE_CANDIDATE_LENGTH)
    .refine((line) => line === '' || line.startsWith('candidate:'), 'candidate must start with "candidate:"')
    .refine((line) => !/[\r\n]/.test(line), 'candidate is one line'),
  sdpMid: z.string().max(32).nullable().optional(),
  sdpMLineIndex: z.int().min(0).max(63).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});

/** Which media section (`mid`) carries which source: the answerer maps its transceivers with it. */
const midSourceSchema = z.strictObject({ mid: z.string().min(1).max(32), source: mediaSourceSchema });

/** What one browser of the pair sends the other through the server. */
export const p2pSignalSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('description'),
    description: z.strictObject({ type: z.enum(['offer', 'answer']), sdp: sdpSchema }),
    sources: z.array(midSourceSchema).max(8).optional(),
  }),
  /** `null`: this side has gathered all its candidates. */
  z.strictObject({ type: z.literal('candidate'), candidate: iceCandidateSchema.nullable() }),
]);

export type P2PSignal = z.output<typeof p2pSignalSchema>;

/**
 * What a browser reports about the pair's P2P session:
 * - `receiving`: its ICE is connected and the other's media has been arriving steadily over P2P (or the
 *   other sends nothing); it already shows the P2P tracks.
 * - `released`: after `p2pStop`, it shows the SFU tracks again and no longer needs the P2P connection.
 * - `failed`: the P2P connection failed or broke; `reason` says how (logged, shown in the debug view).
 */
export const P2P_REPORT_EVENTS = ['receiving', 'released', 'failed'] as const;
export type P2PReportEvent = (typeof P2P_REPORT_EVENTS)[number];

export const p2pRequestSchemas = {
  /** Relay to the other peer of this room's P2P session. Only the two peers of `sessionId` may. */
  p2pSignal: z.strictObject({ sessionId: sessionIdSchema, signal: p2pSignalSchema }),
  p2pReport: z.strictObject({
    sessionId: sessionIdSchema,
    event: z.enum(P2P_REPORT_EVENTS),
    reason: z.string().max(200).optional(),
  }),
  /** This peer muted/unmuted its mic or switched its camera off/on; everyone else is told. */
  setMuted: z.strictObject({ source: z.enum(MUTABLE_SOURCES), muted: z.boolean() }),
} as const;

/** An RTCIceServer as the browser takes it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * Why the server ends a P2P session.
 * - `participant-joined`: a third person came; everyone meets through the SFU.
 * - `peer-left`: the other peer of the pair left (or its connection dropped).
 * - `connect-timeout`: the pair did not both report `receiving` in time.
 * - `failed`: one of the pair reported `failed` (its reason is in `detail`).
 * - `released`: both went back to the SFU after a stop; the P2P connection can go.
 * - `release-timeout`: after a stop, one did not report `released` in time; closing anyway.
 * - `reconnected`: one of the pair resumed its signaling connection and may have missed messages.
 */
export const P2P_END_REASONS = [
  'participant-joined',
  'peer-left',
  'connect-timeout',
  'failed',
  'released',
  'release-timeout',
  'reconnected',
] as const;
export type P2PEndReason = (typeof P2P_END_REASONS)[number];

/** Server → client notifications of the P2P session, keyed by method. */
export interface P2PNotifications {
  /**
   * Open a P2P connection with `peerId`. Exactly one of the two is the `offerer` (the lower peer id),
   * so the two never offer at the same time.
   */
  p2pStart: {
    sessionId: string;
    peerId: string;
    role: 'offerer' | 'answerer';
    iceServers: IceServer[];
    iceTransportPolicy: 'all' | 'relay';
  };
  /** Both receive each other over P2P: pause the SFU producers (keep the transports open). */
  p2pActive: { sessionId: string };
  /**
   * Go back to the SFU, make-before-break: resume the SFU producers now, keep showing P2P until SFU
   * media arrives, then report `released`. `detail`: the failing side's reason, for `failed`.
   */
  p2pStop: { sessionId: string; reason: P2PEndReason; detail?: string };
  /** Close the P2P connection now (both released, or the other peer is gone). */
  p2pClose: { sessionId: string; reason: P2PEndReason };
  /** The other peer's description or candidate, relayed. */
  p2pSignal: { sessionId: string; signal: P2PSignal };
  /** Another peer muted or unmuted a source (also carried by `PeerInfo.muted` for late joiners). */
  peerMuted: { peerId: string; source: MutableSource; muted: boolean };
}
