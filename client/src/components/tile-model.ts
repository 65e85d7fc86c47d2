/**
 * What one tile shows, read from the room state: the grid and the speaker view lay out the same tiles.
 * Called inside `$derived`, so every field stays reactive.
 */
import type { PeerConnectionQuality } from '../../../protocol/server-messages.js';
import type { RemotePeerState } from '../state/remote-peer.svelte.js';
import type { RoomState } from '../state/room-state.svelte.js';

export interface TileModel {
  /** Unique among tiles: the peer id for a camera tile, `screen:<peerId>` for a screen share. */
  key: string;
  peerId: string;
  name: string;
  isLocal: boolean;
  source: 'camera' | 'screen';
  videoTrack: MediaStreamTrack | null;
  videoOff: boolean;
  micMuted: boolean;
  /** The remote track shown, to report its demand; null for local video. */
  trackId: string | null;
  speaking: boolean;
  quality: PeerConnectionQuality | null;
  limited: boolean;
}

export function localTile(room: RoomState): TileModel {
  const peerId = room.peerId ?? '';
  return {
    key: peerId || 'local',
    peerId,
    name: room.displayName,
    isLocal: true,
    source: 'camera',
    videoTrack: room.local.cameraEnabled ? room.local.cameraTrack : null,
    videoOff: !room.local.cameraEnabled,
    micMuted: !room.local.micEnabled || room.local.micTrack === null,
    trackId: null,
    speaking: peerId !== '' && room.speakers.activeId === peerId,
    quality: room.ownQuality,
    limited: false,
  };
}

export function cameraTile(room: RoomState, peer: RemotePeerState): TileModel {
  return {
    key: peer.id,
    peerId: peer.id,
    name: peer.displayName,
    isLocal: false,
    source: 'camera',
    videoTrack: peer.camera?.track ?? null,
    videoOff: peer.camera?.muted ?? true,
    micMuted: peer.micMuted,
    trackId: peer.camera?.trackId ?? null,
    speaking: room.speakers.activeId === peer.id,
    quality: peer.quality,
    limited: peer.camera?.limited ?? false,
  };
}

/** Remote screen shares (our own is not shown back to us: a screen showing itself is a hall of mirrors). */
export function screenTiles(room: RoomState): TileModel[] {
  return room.remotePeers
    .filter((peer) => peer.screen)
    .map((peer) => ({
      key: `screen:${peer.id}`,
      peerId: peer.id,
      name: peer.displayName,
      isLocal: false,
      source: 'screen',
      videoTrack: peer.screen?.track ?? null,
      videoOff: peer.screen?.muted ?? false,
      micMuted: false,
      trackId: peer.screen?.trackId ?? null,
      speaking: false,
      quality: peer.quality,
      limited: peer.screen?.limited ?? false,
    }));
}
