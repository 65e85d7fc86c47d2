/** What the signaling load generator's parent and its child processes say to each other over IPC. */

export interface PeerSpec {
  roomId: string;
  displayName: string;
}

export type LoadCommand =
  /** Connect and join these peers, at most `concurrency` joins in flight. */
  | { type: 'join'; wsUrl: string; peers: PeerSpec[]; concurrency: number }
  /** Every joined peer sends `ping` every `intervalMs` (random phase) for `durationMs`. */
  | { type: 'ping'; durationMs: number; intervalMs: number }
  | { type: 'stop' };

export type LoadReport =
  | { type: 'ready' }
  | { type: 'joined'; connectMs: number[]; joinMs: number[]; failures: string[] }
  | {
      type: 'pinged';
      rttMs: number[];
      failures: string[];
      /** This process's event-loop delay p99 during the window (ms): high means the generator lags. */
      loopDelayP99Ms: number;
      /** Notifications received by all peers so far (peerJoined etc.). */
      notifications: number;
    };
