/**
 * One meeting as the UI sees it: the phase (pre-join, in the room, left, disconnected), the other
 * participants, and the actions of the controls. It drives the signaling client and a MediaSession and
 * turns their events into state; components only read this and call its methods.
 */
import type { PeerInfo } from '../../../protocol/peer.js';
import type { LocalSource, MediaSession, MediaSessionStats } from '../media/media-session.js';
import { SfuSession } from '../media/sfu-session.js';
import { SignalClient } from '../signal/signal-client.js';
import type { SignalCloseEvent } from '../signal/signal-error.js';
import { rememberDisplayName } from './display-name.js';
import { LocalMedia } from './local-media.svelte.js';
import { RemotePeerState } from './remote-peer.svelte.js';
import { describeDisconnect, describeJoinError } from './user-messages.js';

export type RoomPhase = 'prejoin' | 'joining' | 'joined' | 'disconnected' | 'left';

/** How long leaving waits for the server's answer before closing anyway. */
const LEAVE_ANSWER_WAIT_MS = 1500;

export class RoomState {
  readonly roomId: string;
  readonly local = new LocalMedia();

  phase = $state<RoomPhase>('prejoin');
  /** Why the last join failed, shown on the pre-join screen. */
  joinError = $state<string | null>(null);
  /** Why the connection ended, shown in the disconnected banner. */
  disconnectReason = $state<string | null>(null);
  /** A passing problem in the room (e.g. the camera could not restart). */
  notice = $state<string | null>(null);
  peerId = $state<string | null>(null);
  displayName = $state('');
  peers = $state<Record<string, RemotePeerState>>({});
  micBusy = $state(false);
  cameraBusy = $state(false);

  readonly remotePeers = $derived(Object.values(this.peers).sort((a, b) => a.joinedAt - b.joinedAt));
  readonly participantCount = $derived(this.remotePeers.length + 1);

  #signal: SignalClient | null = null;
  #session: MediaSession | null = null;
  #unsubscribers: Array<() => void> = [];
  // Bumped by every join and leave, so a join that is overtaken stops touching state.
  #attempt = 0;

  constructor(roomId: string) {
    this.roomId = roomId;
    this.local.onDeviceLost = (kind) => void this.#onDeviceLost(kind);
  }

  async join(displayName: string): Promise<void> {
    if (this.phase === 'joining' || this.phase === 'joined') return;
    const attempt = ++this.#attempt;
    const stale = (): boolean => attempt !== this.#attempt;
    this.phase = 'joining';
    this.joinError = null;
    this.disconnectReason = null;
    this.notice = null;
    this.displayName = displayName.trim();
    rememberDisplayName(this.displayName);
    try {
      // Joining without devices is allowed; the start only has to be settled.
      await this.local.start();
      const signal = await SignalClient.connect();
      if (stale()) return signal.close();
      this.#signal = signal;
      this.#unsubscribers.push(
        signal.onClose((event) => this.#onSignalClosed(event)),
        signal.on('peerJoined', ({ peer }) => this.#addPeer(peer)),
        signal.on('peerLeft', ({ peerId }) => this.#removePeer(peerId)),
        // Only for frames the server could not tie to a request: a client bug, nothing to show.
        signal.on('error', ({ code, message }) => console.warn(`server reported ${code}: ${message}`)),
      );
      const joined = await signal.request('join', { roomId: this.roomId, displayName: this.displayName });
      if (stale()) return;
      this.peerId = joined.peerId;
      for (const peer of joined.peers) this.#addPeer(peer);
      const session = await SfuSession.start(signal, joined.routerRtpCapabilities);
      if (stale()) return session.close();
      this.#attachSession(session);
      this.phase = 'joined';
    } catch (error) {
      if (stale()) return;
      console.error('join failed', error);
      this.#disconnect({ sendLeave: true });
      this.phase = 'prejoin';
      this.joinError = describeJoinError(error);
      return;
    }
    await this.#publishLocalTracks();
  }

  /** Leaves on purpose: tells the server, ends media and releases the camera and mic. */
  async leave(): Promise<void> {
    if (this.phase === 'left') return;
    this.#attempt++;
    this.phase = 'left';
    const signal = this.#signal;
    this.#closeSession();
    this.local.stop();
    if (signal && !signal.closed) {
      await Promise.race([signal.request('leave', {}).catch(() => undefined), delay(LEAVE_ANSWER_WAIT_MS)]);
    }
    this.#disconnect({ sendLeave: false });
  }

  /**
   * The page is going away (tab closed, navigation): there is no time to wait for answers, so the
   * leave request is sent and everything is closed at once.
   */
  leaveNow(): void {
    if (this.phase === 'left') return;
    this.#attempt++;
    this.phase = 'left';
    this.#disconnect({ sendLeave: true });
    this.local.stop();
  }

  async toggleMic(): Promise<void> {
    if (this.micBusy) return;
    this.micBusy = true;
    this.notice = null;
    try {
      // A missing mic shows as muted, so the first click must try to get one.
      const enable = !(this.local.micEnabled && this.local.micTrack);
      if (enable) await this.local.ensureMic();
      this.local.setMicEnabled(enable);
      const session = this.phase === 'joined' ? this.#session : null;
      if (!session) return;
      if (session.isPublished('mic')) await session.setPaused('mic', !enable);
      else if (enable && this.local.micTrack) await session.publish('mic', this.local.micTrack);
    } catch (error) {
      this.notice = errorText(error);
    } finally {
      this.micBusy = false;
    }
  }

  async toggleCamera(): Promise<void> {
    if (this.cameraBusy) return;
    this.cameraBusy = true;
    this.notice = null;
    const session = this.phase === 'joined' ? this.#session : null;
    try {
      if (this.local.cameraEnabled) {
        // Paused first, so the others switch to the avatar instead of freezing on the last frame.
        await session?.setPaused('camera', true);
        this.local.turnCameraOff();
        return;
      }
      const track = await this.local.turnCameraOn();
      if (!session) return;
      if (session.isPublished('camera')) {
        await session.replaceTrack('camera', track);
        await session.setPaused('camera', false);
      } else {
        await session.publish('camera', track);
      }
    } catch (error) {
      this.notice = errorText(error);
    } finally {
      this.cameraBusy = false;
    }
  }

  /** Statistics of the media received and sent (empty outside a meeting). */
  stats(): Promise<MediaSessionStats> {
    return this.#session?.stats() ?? Promise.resolve({ inbound: [], outbound: [] });
  }

  async #publishLocalTracks(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    const { micTrack, cameraTrack, micEnabled, cameraEnabled } = this.local;
    const publications: Array<[LocalSource, Promise<void>]> = [];
    if (micTrack) publications.push(['mic', session.publish('mic', micTrack, { paused: !micEnabled })]);
    if (cameraTrack && cameraEnabled) publications.push(['camera', session.publish('camera', cameraTrack)]);
    const results = await Promise.allSettled(publications.map(([, publication]) => publication));
    const failed = publications.filter((_, index) => results[index]?.status === 'rejected').map(([source]) => source);
    if (failed.length > 0 && this.#session === session) {
      console.error('publishing failed', results);
      this.notice = `Could not send your ${failed.join(' and ')} to the meeting.`;
    }
  }

  #attachSession(session: MediaSession): void {
    this.#session = session;
    const { events } = session;
    events.on('remoteTrackAdded', (remote) => {
      // A track should never arrive before its peer, but losing it would be worse than a placeholder.
      const peer = this.peers[remote.peerId] ?? this.#addPeer({ id: remote.peerId, displayName: 'Guest', joinedAt: Date.now() });
      peer.addTrack(remote);
    });
    events.on('remoteTrackRemoved', ({ peerId, trackId }) => this.peers[peerId]?.removeTrack(trackId));
    events.on('remoteTrackMuted', ({ peerId, trackId, muted }) => this.peers[peerId]?.setMuted(trackId, muted));
    events.on('publicationClosed', ({ source }) => {
      // The toggles publish again when turned back on, so reflect the loss there.
      if (source === 'camera') this.local.turnCameraOff();
      if (source === 'mic') this.local.setMicEnabled(false);
      this.notice = `The server stopped receiving your ${source === 'mic' ? 'microphone' : source}. Turn it on again to retry.`;
    });
    events.on('connectionState', (state) => {
      // No ICE restart yet: a failed media path is shown like a lost connection, and Rejoin repairs it.
      if (state === 'failed' && this.phase === 'joined') this.#becomeDisconnected('The media connection failed.', true);
    });
  }

  #addPeer(info: PeerInfo): RemotePeerState {
    const existing = this.peers[info.id];
    if (existing) {
      existing.displayName = info.displayName;
      return existing;
    }
    const peer = new RemotePeerState(info);
    this.peers[info.id] = peer;
    return peer;
  }

  #removePeer(peerId: string): void {
    this.#session?.removePeer(peerId);
    delete this.peers[peerId];
  }

  #onSignalClosed(event: SignalCloseEvent): void {
    // While joining, the pending request fails and join() reports it; after leaving, closing is expected.
    if (event.byClient || this.phase !== 'joined') return;
    this.#becomeDisconnected(describeDisconnect(event), false);
  }

  #becomeDisconnected(reason: string, sendLeave: boolean): void {
    this.#attempt++;
    this.#disconnect({ sendLeave });
    this.phase = 'disconnected';
    this.disconnectReason = reason;
  }

  async #onDeviceLost(kind: 'mic' | 'camera'): Promise<void> {
    this.notice = kind === 'mic' ? 'Your microphone stopped working.' : 'Your camera stopped working.';
    await this.#session?.setPaused(kind, true).catch(() => undefined);
  }

  #closeSession(): void {
    this.#session?.close();
    this.#session = null;
  }

  /** Ends media and signaling and forgets the remote side; local devices are left alone. */
  #disconnect({ sendLeave }: { sendLeave: boolean }): void {
    this.#closeSession();
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    this.#unsubscribers = [];
    const signal = this.#signal;
    this.#signal = null;
    if (signal && !signal.closed) {
      // Best effort: the socket closing right after is what the server will act on anyway.
      if (sendLeave) signal.request('leave', {}).catch(() => undefined);
      signal.close();
    }
    this.peers = {};
    this.peerId = null;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
