/** What everyone in a room knows about another participant. */
export interface PeerInfo {
  id: string;
  displayName: string;
  /** Server time (ms since epoch) when the peer joined. */
  joinedAt: number;
}
