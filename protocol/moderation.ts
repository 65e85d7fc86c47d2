/**
 * Access control inside a room: what a participant may do (grants, from a join token or the open-room
 * default), who moderates, and what moderators do to others: mute, remove, lock the room, run its
 * lobby. No zod here on purpose: the browser imports its constants at run time (the request schemas
 * are in moderation-schema.ts). PROTOCOL.md, section "Tokens and moderation", says it in prose.
 */
import type { MediaSource } from './media.js';
import type { PeerInfo } from './peer.js';

/**
 * - `publish`: send media (a send transport, producers).
 * - `subscribe`: receive media (a receive transport, consumers).
 * - `chat`: post chat lines.
 * - `moderate`: mute others, remove them, change the room's access, answer knocks.
 */
export const GRANTS = ['publish', 'subscribe', 'chat', 'moderate'] as const;
export type Grant = (typeof GRANTS)[number];
export type Grants = Record<Grant, boolean>;

/** Longest join token accepted (a JWT with our claims is about 400 characters). */
export const MAX_JOIN_TOKEN_LENGTH = 4096;

/**
 * Who may come in:
 * - `open`: anyone allowed to join the server.
 * - `lobby`: newcomers `knock` and wait until a moderator admits them.
 * - `locked`: nobody new; `join` and `knock` fail with FORBIDDEN.
 * Moderators (by grant) always get in.
 */
export const ROOM_ACCESS_MODES = ['open', 'lobby', 'locked'] as const;
export type RoomAccess = (typeof ROOM_ACCESS_MODES)[number];

/** A knock waits this long for an answer; then it is denied. */
export const KNOCK_TIMEOUT_MS = 10 * 60_000;

/** Knocks one room keeps waiting at once; more are refused with ROOM_FULL. */
export const MAX_KNOCKS_PER_ROOM = 50;

/** Who did something to you or the room: a moderator in the room, or `null` for the operator's HTTP API. */
export type Actor = { peerId: string; displayName: string } | null;

/** Someone waiting in the lobby, as moderators see them. */
export interface Knock {
  knockId: string;
  displayName: string;
  /** Server time (ms since epoch) of the knock. */
  since: number;
}

/** Server → client notifications about moderation, keyed by method. */
export interface ModerationNotifications {
  /**
   * A participant's details changed (today: they became moderator because the previous one left).
   * Sent to everyone, the participant included: compare `peer.id` with your own.
   */
  peerUpdated: { peer: PeerInfo };
  /**
   * A moderator (or the operator) muted your `source`: the server paused it; show it muted. You may
   * unmute yourself. In a peer-to-peer room the server cannot pause your media: stop sending it.
   */
  mutedByModerator: { source: MediaSource; by: Actor };
  /** The room's access mode changed. */
  roomAccessChanged: { access: RoomAccess; by: Actor };
  /** For moderators: everyone waiting in the lobby now (sent on every change, and after you join). */
  lobbyChanged: { knocks: Knock[] };
  /** For a knocker: the answer. Admitted: send `join` now, on this connection. */
  knockAnswered: { admitted: boolean; reason?: string };
}

/** The `data` of successful moderation responses, per method. */
export interface ModerationResponseData {
  mutePeer: { mutedProducerIds: string[] };
  removePeer: Record<string, never>;
  setRoomAccess: { access: RoomAccess };
  knock: { knockId: string };
  admitKnock: Record<string, never>;
  denyKnock: Record<string, never>;
}
