/**
 * One meeting as the UI sees it: the phase (pre-join, in the room, left, disconnected), the other
 * participants, and the actions of the controls. It drives the signaling client and a MediaSession and
 * turns their events into state; components only read this and call its methods.
 */
import type { MediaSource } from '../../../protocol/media.js';
import type { Actor } from '../../../protocol/moderation.js';
import type { PeerInfo } from '../../../protocol/peer.js';
import type { PeerConnectionQuality } from '../../../protocol/server-messages.js';
import type { MediaCoordinator } from '../media/media-coordinator.js';
import type { LocalSource, MediaPathInfo, MediaSessionStats } from '../media/media-session.js';
import { message, messageOf, t, type Message } from '../i18n/index.js';
import { deviceWord } from '../media/local-devices.js';
import { ChatClient } from '../chat/chat-client.js';
import { PeerChatLink } from '../chat/peer-chat-link.js';
import type { SignalClient } from '../signal/signal-client.js';
import { MediaDevicesState, type DeviceKind } from './devices.svelte.js';
import { ChatState } from './chat-state.svelte.js';
import { LayoutState } from './layout.svelte.js';
import { LocalScreen } from './local-screen.svelte.js';
import { SpeakerState } from './speakers.svelte.js';
import { VideoDemandRegistry } from './video-demand.js';
import { LocalMedia } from './local-media.svelte.js';
import { HotPlug } from './hot-plug.js';
import { JoinFlow } from './join-flow.js';
import { ModerationState } from './moderation.svelte.js';
import { mutedByModeratorNotice } from './moderation-notices.js';
import { RemotePeerState } from './remote-peer.svelte.js';

/**
 * `reconnecting`: in the meeting, but the connection to the server broke and is being restored (the
 * others still see this person; media may keep flowing meanwhile). `disconnected`: it could not be.
 */
export type RoomPhase = 'prejoin' | 'joining' | 'joined' | 'reconnecting' | 'disconnected' | 'left';

/** How long leaving waits for the server's answer before closing anyway. */
const LEAVE_ANSWER_WAIT_MS = 1500;

export class RoomState {
  readonly roomId: string;
  readonly local = new LocalMedia();
  readonly screen = new LocalScreen();
  readonly devices = new MediaDevicesState();
  readonly speakers = new SpeakerState();
  readonly layout = new LayoutState();
  readonly videoDemand = new VideoDemandRegistry();
  readonly chat = new ChatState();
  /** Grants, moderators, the room's access and lobby (moderation.svelte.ts). */
  readonly moderation = new ModerationState();
  /** The operator's join token from the invite link, if any (join-token.ts). */
  joinToken: string | null = null;

  phase = $state<RoomPhase>('prejoin');
  /** Why the last join failed, shown on the pre-join screen. */
  joinError = $state<Message | null>(null);
  /** Why the connection ended, shown in the disconnected banner. */
  disconnectReason = $state<Message | null>(null);
  /** A passing problem in the room (e.g. the camera could not restart). */
  notice = $state<Message | null>(null);
  peerId = $state<string | null>(null);
  displayName = $state('');
  peers = $state<Record<string, RemotePeerState>>({});
  micBusy = $state(false);
  cameraBusy = $state(false);
  screenBusy = $state(false);
  /** Which path media takes (SFU or P2P) and why it last changed: the debug view shows it. */
  mediaPath = $state.raw<MediaPathInfo>({ mode: 'sfu', p2pPeerId: null, lastEnd: null, history: [] });
  /** This client's own connection to the server, as the server measures it. */
  ownQuality = $state.raw<PeerConnectionQuality | null>(null);
  /** Times the connection broke and came back in this meeting (tests and the debug view read it). */
  reconnects = $state(0);
  /** Times media was set up again because the server's media process was replaced. */
  mediaRestarts = $state(0);

  readonly remotePeers = $derived(Object.values(this.peers).sort((a, b) => a.joinedAt - b.joinedAt));
  readonly participantCount = $derived(this.remotePeers.length + 1);

  #session: MediaCoordinator | null = null;
  readonly #hotPlug = new HotPlug({
    local: this.local,
    devices: this.devices,
    switchTo: (kind, deviceId) => this.chooseDevice(kind, deviceId, { remember: false }),
    lost: (kind) => this.#onDeviceLost(kind),
  });
  /** Connecting, the lobby, joining, and resuming after a broken connection (join-flow.ts). */
  readonly #joinFlow = new JoinFlow({
    room: this,
    addPeer: (info) => this.#addPeer(info),
    removePeer: (peerId) => this.#removePeer(peerId),
    mutedByModerator: (source, by) => void this.#mutedByModerator(source, by),
    startChat: (signal, selfId) => this.#startChat(signal, selfId),
    attachSession: (session) => this.#attachSession(session),
    session: () => this.#session,
    publishLocalTracks: () => this.#publishLocalTracks(),
    disconnect: (options) => this.#disconnect(options),
    lost: (reason) => this.#becomeDisconnected(reason, false),
  });

  constructor(roomId: string) {
    this.roomId = roomId;
    // A track that ends by itself (unplugged) is followed like a device list change.
    this.local.onDeviceLost = () => this.#hotPlug.follow({ refresh: true });
    this.local.deviceIds = { mic: this.devices.chosen.mic, camera: this.devices.chosen.camera };
    this.screen.onEnded = () => void this.#unpublishScreen();
    this.devices.onDevicesChanged = () => this.#hotPlug.follow();
  }

  join(displayName: string): Promise<void> {
    return this.#joinFlow.join(displayName);
  }

  /** Leaves on purpose: tells the server, ends media and releases the camera and mic. */
  async leave(): Promise<void> {
    if (this.phase === 'left') return;
    this.#joinFlow.cancel();
    this.phase = 'left';
    const signal = this.#joinFlow.signal;
    this.#closeSession();
    this.local.stop();
    this.screen.stop();
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
    this.#joinFlow.cancel();
    this.phase = 'left';
    this.#disconnect({ sendLeave: true });
    this.local.stop();
    this.screen.stop();
  }

  async toggleMic(): Promise<void> {
    if (this.micBusy || this.#mayNotPublish()) return;
    this.micBusy = true;
    this.notice = null;
    try {
      // A missing mic shows as muted, so the first click must try to get one.
      const enable = !(this.local.micEnabled && this.local.micTrack);
      if (enable) await this.local.ensureMic();
      this.local.setMicEnabled(enable);
      const session = this.#inMeetingSession();
      if (!session) return;
      if (session.isPublished('mic')) await session.setPaused('mic', !enable);
      else if (enable && this.local.micTrack) await session.publish('mic', this.local.micTrack);
    } catch (error) {
      this.notice = messageOf(error);
    } finally {
      this.micBusy = false;
    }
  }

  async toggleCamera(): Promise<void> {
    if (this.cameraBusy || this.#mayNotPublish()) return;
    this.cameraBusy = true;
    this.notice = null;
    const session = this.#inMeetingSession();
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
      this.notice = messageOf(error);
    } finally {
      this.cameraBusy = false;
    }
  }

  /** Starts sharing a screen, window or tab, or stops the share. */
  async toggleScreenShare(): Promise<void> {
    if (this.screenBusy || (!this.screen.sharing && this.#mayNotPublish())) return;
    const session = this.#inMeetingSession();
    if (this.screen.sharing || !session) {
      await this.#unpublishScreen();
      return;
    }
    this.screenBusy = true;
    this.notice = null;
    try {
      const { video, audio } = await this.screen.start();
      await session.publish('screen', video);
      if (audio) await session.publish('screen-audio', audio);
    } catch (error) {
      // Closing the browser's picker is a choice, not a failure.
      const refused = error instanceof Error && error.cause instanceof DOMException && error.cause.name === 'NotAllowedError';
      if (!refused) this.notice = messageOf(error);
      this.screenBusy = false;
      await this.#unpublishScreen();
    } finally {
      this.screenBusy = false;
    }
  }

  /**
   * Uses another camera, microphone or speaker, before or during the meeting. A live track is swapped
   * on the media path (replaceTrack: no renegotiation, the others keep seeing the same tile).
   */
  async chooseDevice(kind: DeviceKind, deviceId: string, { remember = true } = {}): Promise<void> {
    if (remember) this.devices.choose(kind, deviceId);
    if (kind === 'speaker') return;
    const busy = kind === 'mic' ? 'micBusy' : 'cameraBusy';
    if (this[busy]) return;
    this[busy] = true;
    try {
      const track = await this.local.switchDevice(kind, deviceId);
      const session = this.#inMeetingSession();
      if (track && session?.isPublished(kind)) await session.replaceTrack(kind, track);
    } catch (error) {
      this.notice = messageOf(error);
      // The old camera was released before the new one failed: the others see the avatar, not a frozen frame.
      if (kind === 'camera' && !this.local.cameraTrack) await this.#inMeetingSession()?.setPaused('camera', true).catch(() => undefined);
    } finally {
      this[busy] = false;
    }
  }

  /** The P2P connection's state and selected candidate pair (debug view, tests); null on the SFU. */
  p2pInfo(): ReturnType<MediaCoordinator['p2pInfo']> {
    return this.#session?.p2pInfo() ?? Promise.resolve(null);
  }

  /** Statistics of the media received and sent (empty outside a meeting). */
  stats(): Promise<MediaSessionStats> {
    return this.#session?.stats() ?? Promise.resolve({ inbound: [], outbound: [] });
  }

  async #publishLocalTracks(): Promise<void> {
    const session = this.#session;
    if (!session || !this.moderation.grants.publish) return;
    const { micTrack, cameraTrack, micEnabled, cameraEnabled } = this.local;
    const publications: Array<[LocalSource, Promise<void>]> = [];
    if (micTrack) publications.push(['mic', session.publish('mic', micTrack, { paused: !micEnabled })]);
    if (cameraTrack && cameraEnabled) publications.push(['camera', session.publish('camera', cameraTrack)]);
    const results = await Promise.allSettled(publications.map(([, publication]) => publication));
    const failed = publications.filter((_, index) => results[index]?.status === 'rejected').map(([source]) => source);
    if (failed.length > 0 && this.#session === session) {
      console.error('publishing failed', results);
      const device = failed.length > 1 ? 'camera and microphone' : failed[0] === 'mic' ? 'microphone' : 'camera';
      this.notice = message('room.notice.publishFailed', { device: deviceWord(device) });
    }
  }

  #attachSession(session: MediaCoordinator): void {
    this.#session = session;
    const { events } = session;
    // Chat goes over the SFU data channel once it is open (over signaling until then), and also
    // straight to the other browser while the call is peer-to-peer.
    events.on('p2pChatChannel', ({ peerId, channel }) => this.chat.addLink(new PeerChatLink(peerId, channel)));
    const openChatLink = (): void => {
      session.openChatLink().then(
        (link) => (this.#session === session ? this.chat.addLink(link) : link.close()),
        (error: unknown) => console.warn('chat: no data channel to the server; chat goes over signaling', error),
      );
    };
    openChatLink();
    // The old data channel went with the old transports.
    events.on('mediaRestarted', () => {
      this.mediaRestarts++;
      openChatLink();
    });
    this.mediaPath = session.path;
    events.on('mediaPath', (path) => (this.mediaPath = path));
    events.on('remoteTrackReplaced', ({ peerId, trackId, track }) => this.peers[peerId]?.replaceTrack(trackId, track));
    events.on('remoteTrackAdded', (remote) => {
      // A track should never arrive before its peer, but losing it would be worse than a placeholder.
      const peer = this.peers[remote.peerId] ?? this.#addPeer({ id: remote.peerId, displayName: t('room.guest'), joinedAt: Date.now(), muted: { mic: false, camera: false } });
      peer.addTrack(remote);
    });
    events.on('remoteTrackRemoved', ({ peerId, trackId }) => this.peers[peerId]?.removeTrack(trackId));
    events.on('remoteTrackMuted', ({ peerId, trackId, muted }) => this.peers[peerId]?.setMuted(trackId, muted));
    events.on('publicationClosed', ({ source }) => {
      // The toggles publish again when turned back on, so reflect the loss there.
      if (source === 'camera') this.local.turnCameraOff();
      if (source === 'mic') this.local.setMicEnabled(false);
      this.notice = message('room.notice.publicationClosed', { device: deviceWord(source === 'mic' ? 'microphone' : source === 'screen-audio' ? 'screen' : source) });
    });
    events.on('remoteTrackLimited', ({ peerId, trackId, limited }) => this.peers[peerId]?.setLimited(trackId, limited));
    events.on('activeSpeaker', ({ peerId }) => this.speakers.set(peerId));
    events.on('connectionQuality', (qualities) => {
      for (const quality of qualities) {
        if (quality.peerId === this.peerId) this.ownQuality = quality;
        else {
          const peer = this.peers[quality.peerId];
          if (peer) peer.quality = quality;
        }
      }
    });
    this.videoDemand.setSink(session.setVideoDemand ? (trackId, demand) => session.setVideoDemand?.(trackId, demand) : null);
    events.on('connectionState', (state) => {
      // No ICE restart yet: a failed media path is shown like a lost connection, and Rejoin repairs it.
      if (state === 'failed' && this.phase === 'joined') this.#becomeDisconnected(message('disconnect.mediaFailed'), true);
    });
  }

  /**
   * The media session while in the meeting, also while reconnecting: a mute then takes effect on the
   * spot, and the server is brought in line when the connection is back (SfuSession.resumed).
   */
  #inMeetingSession(): MediaCoordinator | null {
    return this.phase === 'joined' || this.phase === 'reconnecting' ? this.#session : null;
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

  /** Chat for this meeting: history first (over signaling), data channels as they open. */
  #startChat(signal: SignalClient, selfId: string): void {
    const client = new ChatClient({
      signal,
      selfId,
      nameOf: (peerId) => (peerId === selfId ? this.displayName : (this.peers[peerId]?.displayName ?? t('room.guest'))),
      mayChat: () => this.moderation.grants.chat,
    });
    this.chat.attach(client, selfId);
    client.start().catch((error: unknown) => console.warn('chat: could not load the history', error));
  }

  #removePeer(peerId: string): void {
    this.#session?.removePeer(peerId);
    this.chat.forgetPeer(peerId);
    this.speakers.forget(peerId);
    delete this.peers[peerId];
  }

  #becomeDisconnected(reason: Message, sendLeave: boolean): void {
    this.#joinFlow.cancel();
    this.#disconnect({ sendLeave });
    this.phase = 'disconnected';
    this.disconnectReason = reason;
  }

  /** In the meeting without the `publish` grant (a viewer's token): say so instead of failing. */
  #mayNotPublish(): boolean {
    if (this.moderation.grants.publish || this.phase !== 'joined') return false;
    this.notice = message('moderation.notice.cannotPublish');
    return true;
  }

  /** A moderator muted us: the server already paused it; bring the controls (and P2P media) in line. */
  async #mutedByModerator(source: MediaSource, by: Actor): Promise<void> {
    this.notice = mutedByModeratorNotice(source, by);
    const session = this.#inMeetingSession();
    if (source === 'mic') {
      this.local.setMicEnabled(false);
      await session?.setPaused('mic', true).catch(() => undefined);
    } else if (source === 'camera') {
      await session?.setPaused('camera', true).catch(() => undefined);
      this.local.turnCameraOff();
    } else {
      await this.#unpublishScreen();
    }
  }

  /** No device replaced a lost one: shown muted (mic) or off (camera), and paused for the others. */
  async #onDeviceLost(kind: 'mic' | 'camera'): Promise<void> {
    this.local.markLost(kind);
    this.notice = message(kind === 'mic' ? 'room.notice.deviceLost.mic' : 'room.notice.deviceLost.camera');
    await this.#session?.setPaused(kind, true).catch(() => undefined);
  }

  async #unpublishScreen(): Promise<void> {
    this.screen.stop();
    const session = this.#session;
    if (!session) return;
    await Promise.all([session.unpublish('screen'), session.unpublish('screen-audio')]).catch((error: unknown) =>
      console.warn('stopping the screen share failed', error),
    );
  }

  #closeSession(): void {
    this.videoDemand.setSink(null);
    this.#session?.close();
    this.#session = null;
  }

  /** Ends media and signaling and forgets the remote side; local devices are left alone. */
  #disconnect({ sendLeave }: { sendLeave: boolean }): void {
    this.#closeSession();
    this.chat.detach();
    this.#joinFlow.closeConnection({ sendLeave });
    this.peers = {};
    this.peerId = null;
    this.mediaPath = { mode: 'sfu', p2pPeerId: null, lastEnd: null, history: [] };
    this.speakers.reset();
    this.ownQuality = null;
    // The share went with the media session; a rejoin starts without it.
    this.screen.stop();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
