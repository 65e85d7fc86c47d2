/** What the UI shows of another participant: name and the tracks received from them. */
import type { MediaSource } from '../../../protocol/media.js';
import type { PeerInfo } from '../../../protocol/peer.js';
import type { PeerConnectionQuality } from '../../../protocol/server-messages.js';
import type { RemoteTrack } from '../media/media-session.js';

export class RemoteTrackState {
  readonly trackId: string;
  readonly kind: 'audio' | 'video';
  readonly source: MediaSource;
  /**
   * Replaced when the media path changes (SFU <-> P2P); the id stays. Raw state: a MediaStreamTrack is
   * a browser object and must never be proxied.
   */
  track = $state.raw<MediaStreamTrack>(undefined as unknown as MediaStreamTrack);
  muted = $state(false);
  /** A video received below the size its tile asked for: the downlink cannot carry more. */
  limited = $state(false);

  constructor(remote: RemoteTrack) {
    this.trackId = remote.trackId;
    this.kind = remote.kind;
    this.source = remote.source;
    this.track = remote.track;
    this.muted = remote.muted;
  }
}

export class RemotePeerState {
  readonly id: string;
  readonly joinedAt: number;
  displayName = $state('');
  tracks = $state<Record<string, RemoteTrackState>>({});

  readonly camera = $derived(this.#bySource('camera'));
  readonly mic = $derived(this.#bySource('mic'));
  readonly screen = $derived(this.#bySource('screen'));
  /** Their network, as the server measures it; null until the first report. */
  quality = $state.raw<PeerConnectionQuality | null>(null);
  readonly audioTracks = $derived(Object.values(this.tracks).filter((track) => track.kind === 'audio'));
  /** No mic track, or a paused one: show the muted icon. */
  readonly micMuted = $derived(!this.mic || this.mic.muted);

  constructor(info: PeerInfo) {
    this.id = info.id;
    this.joinedAt = info.joinedAt;
    this.displayName = info.displayName;
  }

  addTrack(remote: RemoteTrack): void {
    this.tracks[remote.trackId] = new RemoteTrackState(remote);
  }

  removeTrack(trackId: string): void {
    delete this.tracks[trackId];
  }

  setMuted(trackId: string, muted: boolean): void {
    const track = this.tracks[trackId];
    if (track) track.muted = muted;
  }

  replaceTrack(trackId: string, track: MediaStreamTrack): void {
    const remote = this.tracks[trackId];
    if (remote) remote.track = track;
  }

  setLimited(trackId: string, limited: boolean): void {
    const track = this.tracks[trackId];
    if (track) track.limited = limited;
  }

  #bySource(source: MediaSource): RemoteTrackState | undefined {
    return Object.values(this.tracks).find((track) => track.source === source);
  }
}
