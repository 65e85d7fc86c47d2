/**
 * `window.__shouwang`: what the end-to-end tests read from a page. It follows the room currently on
 * screen, so a test can keep one reference across leave and rejoin.
 */
import { frameTimes, swapTimes } from '../components/frame-clock.js';
import type { MediaMode, MediaPathInfo, MediaSessionStats } from '../media/media-session.js';
import type { P2PConnectionInfo } from '../media/p2p-session.js';
import type { ChatPathStats } from '../chat/chat-client.js';
import type { ChatEntry } from '../chat/chat-timeline.js';
import type { RoomState } from './room-state.svelte.js';

export interface ShouwangTestHooks {
  /** This page's peer id while in a meeting, else null. */
  readonly peerId: string | null;
  /** The room's phase: `joined`, `reconnecting`, `disconnected`, ... */
  readonly phase: string | null;
  /** Times the connection broke and was resumed, and times media was set up again (worker died). */
  readonly reconnects: number;
  readonly mediaRestarts: number;
  remotePeerIds(): string[];
  stats(): Promise<MediaSessionStats>;
  /** The dominant speaker as this page knows it (null before anyone spoke). */
  readonly activeSpeakerId: string | null;
  /** The local screen-share track, so a test can end it the way the browser's "Stop sharing" does. */
  screenTrack(): MediaStreamTrack | null;
  /** Which path media takes now: `sfu`, `p2p`, or a handover between them. */
  readonly mode: MediaMode;
  /** The mode plus why P2P last ended and the recent history (what the debug view shows). */
  readonly mediaPath: MediaPathInfo | null;
  /** The P2P connection's state and selected candidate pair; null while there is none. */
  p2pInfo(): Promise<(P2PConnectionInfo & { sessionId: string; peerId: string; role: string }) | null>;
  /**
   * performance.now() times at which the tile of `peerId`'s `source` put a new frame on screen, from
   * `since` on (see components/frame-clock.ts).
   */
  frameTimes(peerId: string, source?: 'camera' | 'screen', since?: number): number[];
  /** When that tile swapped to a new track (e.g. the media path changed), from `since` on. */
  swapTimes(peerId: string, source?: 'camera' | 'screen', since?: number): number[];
  /** performance.now(), to take `since` marks in the page's clock. */
  now(): number;
  /** The chat lines shown, in display order. */
  chat(): ChatEntry[];
  /** Sends a chat line as the input box would; false when it did not go out (see the panel's problem). */
  sendChat(text: string): boolean;
  /** Peer ids whose hand this page shows raised. */
  raisedHands(): string[];
  /** How chat copies arrived: per way (relay, signaling, history, peer), and which way came first. */
  chatPaths(): ChatPathStats | null;
  /** The local camera and microphone tracks as the room holds them (which device, live or ended). */
  localTracks(): { mic: LocalTrackInfo | null; camera: LocalTrackInfo | null };
}

export interface LocalTrackInfo {
  label: string;
  deviceId: string;
  readyState: MediaStreamTrackState;
  enabled: boolean;
}

function trackInfo(track: MediaStreamTrack | null): LocalTrackInfo | null {
  if (!track) return null;
  return { label: track.label, deviceId: track.getSettings().deviceId ?? '', readyState: track.readyState, enabled: track.enabled };
}

declare global {
  interface Window {
    __shouwang?: ShouwangTestHooks;
  }
}

let currentRoom: RoomState | null = null;

const hooks: ShouwangTestHooks = {
  get peerId() {
    return currentRoom?.peerId ?? null;
  },
  get phase() {
    return currentRoom?.phase ?? null;
  },
  get reconnects() {
    return currentRoom?.reconnects ?? 0;
  },
  get mediaRestarts() {
    return currentRoom?.mediaRestarts ?? 0;
  },
  remotePeerIds() {
    return currentRoom ? currentRoom.remotePeers.map((peer) => peer.id) : [];
  },
  stats() {
    return currentRoom?.stats() ?? Promise.resolve({ inbound: [], outbound: [] });
  },
  get activeSpeakerId() {
    return currentRoom?.speakers.activeId ?? null;
  },
  screenTrack() {
    return currentRoom?.screen.track ?? null;
  },
  get mode() {
    return currentRoom?.mediaPath.mode ?? 'sfu';
  },
  get mediaPath() {
    return currentRoom?.mediaPath ?? null;
  },
  p2pInfo() {
    return currentRoom?.p2pInfo() ?? Promise.resolve(null);
  },
  frameTimes(peerId, source = 'camera', since = 0) {
    return frameTimes(`${peerId}:${source}`, since);
  },
  swapTimes(peerId, source = 'camera', since = 0) {
    return swapTimes(`${peerId}:${source}`, since);
  },
  now() {
    return performance.now();
  },
  chat() {
    return currentRoom ? currentRoom.chat.entries.map((entry) => ({ ...entry })) : [];
  },
  sendChat(text) {
    return currentRoom?.chat.send(text) ?? false;
  },
  raisedHands() {
    return currentRoom ? [...currentRoom.chat.raisedHands] : [];
  },
  chatPaths() {
    return currentRoom?.chat.pathStats() ?? null;
  },
  localTracks() {
    return { mic: trackInfo(currentRoom?.local.micTrack ?? null), camera: trackInfo(currentRoom?.local.cameraTrack ?? null) };
  },
};

/** Points the hooks at the room on screen (null when none is). */
export function exposeRoomForTests(room: RoomState | null): void {
  currentRoom = room;
  window.__shouwang = hooks;
}
