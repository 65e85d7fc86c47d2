/**
 * The MediaSession the room uses. It owns the SFU session for the whole meeting and, while the server
 * pairs this browser with the only other one in the room, a P2P session too, and presents one set of
 * remote tracks to the room state whichever path carries them. A remote track keeps its id across
 * switches; only its MediaStreamTrack changes (`remoteTrackReplaced`), and only once media arrives on
 * the new path (PathSwitch), so a tile never goes black or freezes.
 *
 * The server decides the mode (server/p2p/mode-machine.ts); here the browser carries it out:
 *   p2pStart  -> connect; show each P2P track once it plays; report `receiving` when all do
 *   p2pActive -> pause the SFU producers (transports stay: switching back is a resume)
 *   p2pStop   -> resume the SFU producers; show each SFU track once it plays; report `released`
 *   p2pClose  -> close the P2P connection (anything still shown from it goes back to the SFU at once)
 *
 * Mute is explicit (`setMuted` / `peerMuted`): the SFU's producer pauses no longer mean mute, since
 * P2P pauses them too.
 */
import type { MediaSource } from '../../../protocol/media.js';
import type { MuteState, P2PNotifications, P2PReportEvent } from '../../../protocol/p2p.js';
import type { PeerInfo } from '../../../protocol/peer.js';
import type { ResumedSession } from '../../../protocol/requests.js';
import type { RtpCapabilities } from 'mediasoup-client/types';
import type { SignalClient } from '../signal/signal-client.js';
import { Emitter } from '../util/emitter.js';
import type {
  InboundStats,
  LocalSource,
  MediaMode,
  MediaPathEvent,
  MediaPathInfo,
  MediaSession,
  MediaSessionEvents,
  MediaSessionStats,
  PublishOptions,
  RemoteTrack,
  VideoDemand,
} from './media-session.js';
import { P2PSession, type P2PConnectionInfo } from './p2p-session.js';
import { P2PSpeakerDetector } from './p2p-speaker.js';
import { PathSwitch, type MediaPath, type SwitchableTrack } from './path-switcher.js';
import { renderedSince } from './rendered-tracks.js';
import { SfuSession } from './sfu-session.js';

/** How long a switch back to the SFU waits for SFU media before showing the SFU tracks anyway. */
const BACK_TO_SFU_CAP_MS = 4000;
const HISTORY_LENGTH = 20;

interface RemoteEntry extends SwitchableTrack {
  readonly peerId: string;
  readonly sfuTrack: MediaStreamTrack;
}

interface P2PState {
  session: P2PSession;
  phase: 'connecting' | 'active' | 'stopping';
  reported: Set<P2PReportEvent>;
}

export interface CoordinatorStart {
  selfId: string;
  routerRtpCapabilities: RtpCapabilities;
  /** Who was in the room at join (their mute state). */
  peers: PeerInfo[];
  /** What this client told the server at join. */
  muted: MuteState;
  /** STUN/TURN servers from the join answer, for the SFU transports. */
  iceServers?: RTCIceServer[];
}

export class MediaCoordinator implements MediaSession {
  readonly events = new Emitter<MediaSessionEvents>();
  readonly #signal: SignalClient;
  readonly #sfu: SfuSession;
  readonly #selfId: string;
  readonly #remote = new Map<string, RemoteEntry>();
  readonly #mutes = new Map<string, MuteState>();
  readonly #local = new Map<LocalSource, { track: MediaStreamTrack; paused: boolean }>();
  /** Remote videos not on screen now: the SFU does not send them, so a switch does not wait for them. */
  readonly #hidden = new Set<string>();
  readonly #reportedMute: MuteState;
  readonly #unsubscribers: Array<() => void> = [];
  #p2p: P2PState | null = null;
  #switch: PathSwitch | null = null;
  #speaker: P2PSpeakerDetector | null = null;
  #activeSpeaker: string | null = null;
  #path: MediaPathInfo = { mode: 'sfu', p2pPeerId: null, lastEnd: null, history: [] };
  #closed = false;

  static async start(signal: SignalClient, start: CoordinatorStart): Promise<MediaCoordinator> {
    const sfu = await SfuSession.start(signal, start.routerRtpCapabilities, { iceServers: start.iceServers ?? [] });
    return new MediaCoordinator(signal, sfu, start);
  }

  private constructor(signal: SignalClient, sfu: SfuSession, start: CoordinatorStart) {
    this.#signal = signal;
    this.#sfu = sfu;
    this.#selfId = start.selfId;
    this.#reportedMute = { ...start.muted };
    for (const peer of start.peers) this.#mutes.set(peer.id, { ...peer.muted });
    const sfuEvents = sfu.events;
    sfuEvents.on('remoteTrackAdded', (remote) => this.#onSfuTrackAdded(remote));
    sfuEvents.on('remoteTrackRemoved', (removed) => {
      this.#remote.delete(removed.trackId);
      this.#hidden.delete(removed.trackId);
      this.events.emit('remoteTrackRemoved', removed);
    });
    // Producer pauses are not mute any more (P2P pauses them too): mute comes from `peerMuted`.
    sfuEvents.on('publicationClosed', (closed) => this.events.emit('publicationClosed', closed));
    sfuEvents.on('mediaRestarted', () => this.events.emit('mediaRestarted'));
    sfuEvents.on('connectionState', (state) => this.events.emit('connectionState', state));
    sfuEvents.on('connectionQuality', (qualities) => this.events.emit('connectionQuality', qualities));
    sfuEvents.on('remoteTrackLimited', (limited) => this.events.emit('remoteTrackLimited', limited));
    sfuEvents.on('activeSpeaker', ({ peerId }) => {
      // While the pair is direct the server hears nobody; the browser's own detector speaks then.
      if (this.#speaker) return;
      this.#activeSpeaker = peerId;
      this.events.emit('activeSpeaker', { peerId });
    });
    this.#unsubscribers.push(
      signal.on('peerJoined', ({ peer }) => this.#mutes.set(peer.id, { ...peer.muted })),
      signal.on('peerMuted', (change) => this.#onPeerMuted(change)),
      signal.on('p2pStart', (data) => this.#onP2PStart(data)),
      signal.on('p2pActive', ({ sessionId }) => this.#onP2PActive(sessionId)),
      signal.on('p2pStop', (data) => this.#onP2PStop(data)),
      signal.on('p2pClose', (data) => this.#onP2PClose(data)),
      signal.on('p2pSignal', ({ sessionId, signal: p2pSignal }) => {
        if (this.#p2p?.session.sessionId === sessionId) void this.#p2p.session.handleSignal(p2pSignal);
      }),
    );
  }

  /** Which path media takes now, and what happened lately (for the debug view). */
  get path(): MediaPathInfo {
    return this.#path;
  }

  /** The P2P connection's state and selected candidate pair; null without a P2P session. */
  async p2pInfo(): Promise<(P2PConnectionInfo & { sessionId: string; peerId: string; role: string }) | null> {
    const p2p = this.#p2p;
    if (!p2p) return null;
    const { session } = p2p;
    return { ...(await session.info()), sessionId: session.sessionId, peerId: session.remotePeerId, role: session.role };
  }

  /** The SFU session's chat link (the chat client adds the P2P channel from `p2pChatChannel`). */
  openChatLink(): ReturnType<SfuSession['openChatLink']> {
    return this.#sfu.openChatLink();
  }

  async publish(source: LocalSource, track: MediaStreamTrack, options: PublishOptions = {}): Promise<void> {
    const paused = options.paused ?? this.#local.get(source)?.paused ?? false;
    this.#local.set(source, { track, paused });
    this.#reportMute(source, paused);
    await Promise.all([this.#sfu.publish(source, track, { paused }), this.#p2p?.session.setTrack(source, paused ? null : track)]);
  }

  async replaceTrack(source: LocalSource, track: MediaStreamTrack): Promise<void> {
    const local = this.#local.get(source);
    if (local) local.track = track;
    await Promise.all([this.#sfu.replaceTrack(source, track), local && !local.paused ? this.#p2p?.session.setTrack(source, track) : undefined]);
  }

  async setPaused(source: LocalSource, paused: boolean): Promise<void> {
    const local = this.#local.get(source);
    if (local) local.paused = paused;
    // Told first, so the others flip their icon at once rather than after the renegotiation.
    this.#reportMute(source, paused);
    await Promise.all([this.#sfu.setPaused(source, paused), this.#p2p?.session.setTrack(source, paused || !local ? null : local.track)]);
  }

  async unpublish(source: LocalSource): Promise<void> {
    this.#local.delete(source);
    await Promise.all([this.#sfu.unpublish(source), this.#p2p?.session.setTrack(source, null)]);
  }

  isPublished(source: LocalSource): boolean {
    return this.#sfu.isPublished(source);
  }

  setVideoDemand(trackId: string, demand: VideoDemand): void {
    if (demand.visible) this.#hidden.delete(trackId);
    else this.#hidden.add(trackId);
    this.#sfu.setVideoDemand(trackId, demand);
  }

  removePeer(peerId: string): void {
    this.#sfu.removePeer(peerId);
    this.#mutes.delete(peerId);
  }

  /**
   * Signaling was resumed after a break. The SFU side catches up and restarts ICE; mute changes of the
   * others missed meanwhile come from the peer list. A P2P session needs nothing here: the server tells
   * the pair what to do next (`peerResumed` in its mode machine stops the session, make-before-break).
   */
  resumed(session: ResumedSession): Promise<void> {
    for (const peer of session.peers) this.#onMuteState(peer.id, peer.muted);
    // A mute told while the socket was down may not have arrived.
    for (const source of ['mic', 'camera'] as const) {
      const muted = this.#reportedMute[source];
      this.#signal.request('setMuted', { source, muted }).catch((error: unknown) => console.warn('could not report mute state', error));
    }
    return this.#sfu.resumed(session);
  }

  async stats(): Promise<MediaSessionStats> {
    const sfuStats = await this.#sfu.stats();
    const inbound: InboundStats[] = sfuStats.inbound.map((stats) => ({
      ...stats,
      path: 'sfu',
      shown: this.#remote.get(stats.consumerId)?.shown !== 'p2p',
    }));
    const session = this.#p2p?.session;
    if (session) {
      const entries = [...this.#remote.values()].filter((entry) => entry.peerId === session.remotePeerId);
      const p2pStats = await Promise.all(entries.map((entry) => session.inboundStatsOf(entry.source, entry.trackId).catch(() => [])));
      entries.forEach((entry, index) => {
        for (const stats of p2pStats[index] ?? []) inbound.push({ ...stats, path: 'p2p', shown: entry.shown === 'p2p' });
      });
    }
    return { inbound, outbound: sfuStats.outbound };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    this.#switch?.cancel();
    this.#speaker?.stop();
    this.#p2p?.session.close();
    this.#p2p = null;
    this.#sfu.close();
    this.events.removeAllListeners();
  }

  #onSfuTrackAdded(remote: RemoteTrack): void {
    const entry: RemoteEntry = {
      trackId: remote.trackId,
      peerId: remote.peerId,
      source: remote.source,
      kind: remote.kind,
      sfuTrack: remote.track,
      shown: 'sfu',
    };
    // A track published while the pair is direct: its SFU producer is paused, so play it from P2P.
    const p2p = this.#p2p;
    if (p2p?.phase === 'active' && p2p.session.remotePeerId === remote.peerId && p2p.session.remoteTrack(remote.source)) {
      entry.shown = 'p2p';
    }
    this.#remote.set(entry.trackId, entry);
    this.events.emit('remoteTrackAdded', { ...remote, track: this.#trackOf(entry), muted: this.#isMuted(remote.peerId, remote.source) });
  }

  #onPeerMuted({ peerId, source, muted }: P2PNotifications['peerMuted']): void {
    const state = this.#mutes.get(peerId) ?? { mic: false, camera: false };
    this.#onMuteState(peerId, { ...state, [source]: muted });
  }

  #onMuteState(peerId: string, state: MuteState): void {
    const before = this.#mutes.get(peerId) ?? { mic: false, camera: false };
    this.#mutes.set(peerId, { ...state });
    for (const entry of this.#remote.values()) {
      if (entry.peerId !== peerId || (entry.source !== 'mic' && entry.source !== 'camera')) continue;
      const muted = state[entry.source];
      if (muted !== before[entry.source]) this.events.emit('remoteTrackMuted', { peerId, trackId: entry.trackId, muted });
    }
  }

  #onP2PStart(data: P2PNotifications['p2pStart']): void {
    if (this.#closed) return;
    if (this.#p2p) this.#endP2P('superseded');
    const session = new P2PSession({
      sessionId: data.sessionId,
      role: data.role,
      remotePeerId: data.peerId,
      iceServers: data.iceServers,
      iceTransportPolicy: data.iceTransportPolicy,
      send: (signal) => this.#signal.request('p2pSignal', { sessionId: data.sessionId, signal }),
      tracks: this.#tracksForP2P(),
    });
    const p2p: P2PState = { session, phase: 'connecting', reported: new Set() };
    this.#p2p = p2p;
    session.events.on('failed', (reason) => this.#onP2PFailed(p2p, reason));
    session.events.on('chatChannel', (channel) => this.events.emit('p2pChatChannel', { peerId: data.peerId, channel }));
    this.#setMode('p2p-connecting', 'p2p-connecting', data.role);
    void session.start();
    this.#beginSwitch('p2p', () => this.#report(p2p, 'receiving'));
  }

  #onP2PActive(sessionId: string): void {
    const p2p = this.#p2p;
    if (!p2p || p2p.session.sessionId !== sessionId || p2p.phase !== 'connecting') return;
    p2p.phase = 'active';
    void this.#sfu.setSuspended(true).catch((error: unknown) => console.warn('p2p: pausing the SFU producers failed', error));
    this.#setMode('p2p', 'p2p-active');
    // Tracks that arrived after the handover check still play from the SFU, which is pausing now.
    if ([...this.#remote.values()].some((entry) => entry.peerId === p2p.session.remotePeerId && entry.shown === 'sfu')) {
      this.#beginSwitch('p2p');
    }
    this.#speaker = new P2PSpeakerDetector(
      { local: () => p2p.session.localAudioLevel(), remote: () => p2p.session.remoteAudioLevel() },
      { local: this.#selfId, remote: p2p.session.remotePeerId },
      this.#activeSpeaker,
      (peerId) => {
        this.#activeSpeaker = peerId;
        this.events.emit('activeSpeaker', { peerId });
      },
    );
  }

  #onP2PStop({ sessionId, reason, detail }: P2PNotifications['p2pStop']): void {
    const p2p = this.#p2p;
    if (!p2p || p2p.session.sessionId !== sessionId) {
      // A session this client never set up (e.g. it reconnected meanwhile): nothing to hand back.
      void this.#signal.request('p2pReport', { sessionId, event: 'released' }).catch(() => undefined);
      return;
    }
    if (p2p.phase === 'stopping') return;
    p2p.phase = 'stopping';
    this.#stopSpeaker();
    this.#path = { ...this.#path, lastEnd: { reason, ...(detail ? { detail } : {}), at: Date.now() } };
    void this.#sfu.setSuspended(false).catch((error: unknown) => console.warn('p2p: resuming the SFU producers failed', error));
    this.#setMode('p2p-stopping', 'p2p-stopping', detail ? `${reason}: ${detail}` : reason);
    this.#beginSwitch('sfu', () => this.#report(p2p, 'released'), BACK_TO_SFU_CAP_MS);
  }

  #onP2PClose({ sessionId, reason }: P2PNotifications['p2pClose']): void {
    if (this.#p2p?.session.sessionId !== sessionId) return;
    this.#endP2P(reason);
  }

  /** The P2P connection broke or never came up: the server decides what next (it sends p2pStop). */
  #onP2PFailed(p2p: P2PState, reason: string): void {
    if (this.#p2p !== p2p || p2p.phase === 'stopping') return;
    this.#path = { ...this.#path, lastEnd: { reason: 'failed', detail: reason, at: Date.now() } };
    this.#log('p2p-failed', reason);
    this.#report(p2p, 'failed', reason);
  }

  /** Drops the P2P session now: whatever still plays from it goes back to the SFU tracks at once. */
  #endP2P(reason: string): void {
    const p2p = this.#p2p;
    if (!p2p) return;
    this.#switch?.cancel();
    this.#switch = null;
    this.#stopSpeaker();
    for (const entry of this.#remote.values()) if (entry.shown === 'p2p') this.#show(entry, 'sfu');
    void this.#sfu.setSuspended(false).catch(() => undefined);
    p2p.session.close();
    this.#p2p = null;
    // After a stop the reason is already recorded; a close without one (peer left) is its own reason.
    if (p2p.phase !== 'stopping') this.#path = { ...this.#path, lastEnd: { reason, at: Date.now() } };
    this.#setMode('sfu', 'p2p-closed', reason);
  }

  /** Moves the P2P peer's tracks to `target` (see PathSwitch); `then` runs when all play from it. */
  #beginSwitch(target: MediaPath, then?: () => void, capMs?: number): void {
    const p2p = this.#p2p;
    if (!p2p) return;
    this.#switch?.cancel();
    const session = p2p.session;
    const pathSwitch = new PathSwitch(
      target,
      {
        tracks: () => [...this.#remote.values()].filter((entry) => entry.peerId === session.remotePeerId),
        received: (track, path) => (path === 'p2p' ? session.receivedCount(track.source) : this.#sfu.receivedCount(track.trackId)),
        expectsMedia: (track, path) => this.#expectsMedia(track as RemoteEntry, path),
        show: (track, path) => {
          const entry = this.#remote.get(track.trackId);
          if (entry && this.#p2p === p2p) this.#show(entry, path);
        },
        ready: () => target === 'sfu' || session.connectionState === 'connected',
        settled: (track, movedAt) => {
          const entry = this.#remote.get(track.trackId);
          // Only a video on screen has a frame to wait for.
          if (!entry || entry.kind !== 'video' || this.#hidden.has(entry.trackId) || !this.#expectsMedia(entry, target)) return true;
          return renderedSince(this.#trackOf(entry), movedAt);
        },
      },
      capMs === undefined ? {} : { capMs },
    );
    this.#switch = pathSwitch;
    void pathSwitch.done.then((completed) => {
      if (this.#switch === pathSwitch) this.#switch = null;
      if (this.#p2p !== p2p) return;
      if (!completed) this.#log('sfu-late', `${BACK_TO_SFU_CAP_MS} ms`);
      then?.();
    });
  }

  #expectsMedia(entry: RemoteEntry, path: MediaPath): boolean {
    if (this.#isMuted(entry.peerId, entry.source)) return false;
    // The SFU does not forward a video nobody looks at (video demand); P2P always sends.
    return !(path === 'sfu' && entry.kind === 'video' && this.#hidden.has(entry.trackId));
  }

  #show(entry: RemoteEntry, path: MediaPath): void {
    if (entry.shown === path) return;
    const before = this.#trackOf(entry);
    entry.shown = path;
    const track = this.#trackOf(entry);
    if (track !== before) this.events.emit('remoteTrackReplaced', { peerId: entry.peerId, trackId: entry.trackId, track });
  }

  #trackOf(entry: RemoteEntry): MediaStreamTrack {
    if (entry.shown === 'p2p') {
      const track = this.#p2p?.session.remoteTrack(entry.source);
      if (track) return track;
    }
    return entry.sfuTrack;
  }

  #isMuted(peerId: string, source: MediaSource): boolean {
    const state = this.#mutes.get(peerId);
    if (!state) return false;
    return source === 'mic' ? state.mic : source === 'camera' ? state.camera : false;
  }

  /** What the P2P connection sends from the start: every published source that is not muted. */
  #tracksForP2P(): Map<MediaSource, MediaStreamTrack | null> {
    const tracks = new Map<MediaSource, MediaStreamTrack | null>();
    for (const [source, { track, paused }] of this.#local) tracks.set(source, paused ? null : track);
    return tracks;
  }

  #reportMute(source: LocalSource, muted: boolean): void {
    if (source !== 'mic' && source !== 'camera') return;
    if (this.#reportedMute[source] === muted) return;
    this.#reportedMute[source] = muted;
    this.#signal.request('setMuted', { source, muted }).catch((error: unknown) => console.warn('could not report mute state', error));
  }

  #report(p2p: P2PState, event: P2PReportEvent, reason?: string): void {
    if (this.#p2p !== p2p || p2p.reported.has(event)) return;
    p2p.reported.add(event);
    if (event === 'receiving') this.#log('p2p-receiving');
    this.#signal
      .request('p2pReport', { sessionId: p2p.session.sessionId, event, ...(reason ? { reason } : {}) })
      .catch((error: unknown) => console.debug('p2p: report not taken (the session may have ended)', error));
  }

  #stopSpeaker(): void {
    this.#speaker?.stop();
    this.#speaker = null;
  }

  #setMode(mode: MediaMode, event: MediaPathEvent, detail?: string): void {
    const p2pPeerId = mode === 'sfu' ? null : (this.#p2p?.session.remotePeerId ?? null);
    this.#path = { ...this.#path, mode, p2pPeerId };
    this.#log(event, detail);
  }

  #log(event: MediaPathEvent, detail?: string): void {
    const history = [...this.#path.history, { at: Date.now(), event, ...(detail ? { detail } : {}) }].slice(-HISTORY_LENGTH);
    this.#path = { ...this.#path, history };
    if (!this.#closed) this.events.emit('mediaPath', this.#path);
  }
}
