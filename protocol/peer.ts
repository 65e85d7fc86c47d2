import type { MuteState } from './p2p.js';

/** What everyone in a room knows about another participant. */
export interface PeerInfo {
  id: string;
  displayName: string;
  /** Server time (ms since epoch) when the peer joined. */
  joinedAt: number;
  /** Mic muted / camera switched off, as the peer last reported (`setMuted`). */
  muted: MuteState;
  /** This participant can moderate (mute others, remove, lock, admit). Absent: it cannot. */
  moderator?: boolean;
}
