/**
 * What nodes tell each other about a room they both serve (room-span.ts), checked against this schema
 * after the signature (signed-bus.ts): a bug in one node's version must not crash another.
 */
import { z } from 'zod';
import { MEDIA_SOURCES, rtpParametersSchema } from '../../protocol/media.js';
import { outgoingChatSchema } from '../../protocol/chat-schema.js';
import { ROOM_ACCESS_MODES } from '../../protocol/moderation.js';
import { roomIdSchema } from '../../protocol/requests.js';

const id = z.string().min(1).max(64);
const nodeId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/);

/** A peer as the other nodes show it (PeerInfo, protocol/peer.ts). */
export const remotePeerSchema = z.object({
  id,
  displayName: z.string().min(1).max(200),
  joinedAt: z.number(),
  muted: z.object({ mic: z.boolean(), camera: z.boolean() }),
  moderator: z.boolean().optional(),
});

const actorSchema = z.object({ peerId: id, displayName: z.string().min(1).max(200) }).nullable();
const knockSchema = z.object({ knockId: id, displayName: z.string().min(1).max(200), since: z.number() });
/** The room's access mode and when it was set (the later change wins when two nodes change it at once). */
export const accessStateSchema = z.object({ mode: z.enum(ROOM_ACCESS_MODES), at: z.number() });

const srtpSchema = z.object({ cryptoSuite: z.string().max(64), keyBase64: z.string().max(256) });
const endpoint = { ip: z.string().min(1).max(64), port: z.number().int().min(1).max(65535), srtp: srtpSchema };

const bodies = [
  /** "I serve this room, with these people." `reply`: the sender wants the same back. */
  z.object({
    type: z.literal('hello'),
    peers: z.array(remotePeerSchema).max(1000),
    reply: z.boolean(),
    access: accessStateSchema.optional(),
    knocks: z.array(knockSchema).max(100).optional(),
  }),
  z.object({ type: z.literal('peerJoined'), peer: remotePeerSchema }),
  z.object({ type: z.literal('peerLeft'), peerId: id }),
  z.object({ type: z.literal('peerMuted'), peerId: id, source: z.enum(['mic', 'camera']), muted: z.boolean() }),
  /** A peer of a node that died came back (resumed) here: it is no longer waited for elsewhere. */
  z.object({ type: z.literal('peerMoved'), peer: remotePeerSchema }),
  /** The sender no longer serves the room (its last local peer left). */
  z.object({ type: z.literal('bye') }),
  /** The sender's router was rebuilt after its worker died: set the pipe up again; everyone stays. */
  z.object({ type: z.literal('repipe') }),
  /** The PipeTransport pair: the node with the smaller id offers, the other answers. */
  z.object({ type: z.literal('pipeOffer'), ...endpoint }),
  z.object({ type: z.literal('pipeAnswer'), ...endpoint }),
  /** A local producer, piped: the receiver creates a pipe producer with the same id. */
  z.object({
    type: z.literal('producer'),
    peerId: id,
    producerId: id,
    kind: z.enum(['audio', 'video']),
    rtpParameters: rtpParametersSchema,
    paused: z.boolean(),
    source: z.enum(MEDIA_SOURCES),
    videoSize: z.object({ width: z.number().int(), height: z.number().int() }).optional(),
  }),
  z.object({ type: z.literal('producerClosed'), producerId: id }),
  z.object({ type: z.literal('producerPaused'), producerId: id }),
  z.object({ type: z.literal('producerResumed'), producerId: id }),
  /** A chat message one of the sender's people posted (checked and stamped there). */
  z.object({ type: z.literal('chat'), senderId: id, senderName: z.string().min(1).max(200), timestamp: z.number(), message: outgoingChatSchema }),
  /** A moderator (or the operator) here changed who may come in. */
  z.object({ type: z.literal('access'), state: accessStateSchema, by: actorSchema }),
  /** Everyone waiting in the sender's lobby for this room (the whole list, so a lost message heals). */
  z.object({ type: z.literal('lobby'), knocks: z.array(knockSchema).max(100) }),
  /** A moderator on the sender's node answered a knock waiting on the receiver. */
  z.object({ type: z.literal('knockAnswer'), knockId: id, admitted: z.boolean(), reason: z.string().max(300).optional() }),
  /** A moderator on the sender's node acts on one of the receiver's people. */
  z.object({ type: z.literal('moderate'), peerId: id, action: z.enum(['mute', 'remove']), source: z.enum(MEDIA_SOURCES).optional(), by: actorSchema }),
] as const;

const bodySchema = z.discriminatedUnion('type', bodies);

export const clusterMessageSchema = z.intersection(
  bodySchema,
  z.object({ from: nodeId, to: nodeId, roomId: roomIdSchema, at: z.number() }),
);

export type ClusterMessageBody = z.output<typeof bodySchema>;
export type ClusterMessage = z.output<typeof clusterMessageSchema>;
export type RemotePeerInfo = z.output<typeof remotePeerSchema>;
