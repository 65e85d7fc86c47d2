/**
 * `window.__shouwang`: what the end-to-end tests read from a page. It follows the room currently on
 * screen, so a test can keep one reference across leave and rejoin.
 */
import type { MediaSessionStats } from '../media/media-session.js';
import type { RoomState } from './room-state.svelte.js';

export interface ShouwangTestHooks {
  /** This page's peer id while in a meeting, else null. */
  readonly peerId: string | null;
  remotePeerIds(): string[];
  stats(): Promise<MediaSessionStats>;
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
  remotePeerIds() {
    return currentRoom ? currentRoom.remotePeers.map((peer) => peer.id) : [];
  },
  stats() {
    return currentRoom?.stats() ?? Promise.resolve({ inbound: [], outbound: [] });
  },
};

/** Points the hooks at the room on screen (null when none is). */
export function exposeRoomForTests(room: RoomState | null): void {
  currentRoom = room;
  window.__shouwang = hooks;
}
