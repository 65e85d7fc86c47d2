/**
 * Getting into a meeting and staying in it: connect, follow the room from the first message, join
 * (knocking and waiting in the lobby if the room has one, lobby.ts), start media and publish; from then
 * on a broken connection is replaced by a new one that resumes this session. The flow owns the
 * connection to the server; the room (room-state.svelte.ts) owns the state it moves along, the peers
 * and the media session once started.
 */
import type { MediaSource } from '../../../protocol/media.js';
import type { Actor } from '../../../protocol/moderation.js';
import type { PeerInfo } from '../../../protocol/peer.js';
import type { ResumedSession } from '../../../protocol/requests.js';
import { MediaCoordinator } from '../media/media-coordinator.js';
import { messageOf, type Message } from '../i18n/index.js';
import { SignalClient } from '../signal/signal-client.js';
import type { SignalCloseEvent } from '../signal/signal-error.js';
import { rememberDisplayName } from './display-name.js';
import { joinThroughLobby } from './lobby.js';
import type { RoomState } from './room-state.svelte.js';
import { describeDisconnect, describeJoinError } from './user-messages.js';

/** The room's state the flow reads and moves along (phase, errors, who we are, who is there). */
export type JoinFlowRoom = Pick<
  RoomState,
  | 'roomId'
  | 'joinToken'
  | 'local'
  | 'devices'
  | 'moderation'
  | 'phase'
  | 'joinError'
  | 'disconnectReason'
  | 'notice'
  | 'displayName'
  | 'peerId'
  | 'peers'
  | 'reconnects'
>;

export interface JoinFlowOptions {
  room: JoinFlowRoom;
  addPeer(info: PeerInfo): void;
  removePeer(peerId: string): void;
  mutedByModerator(source: MediaSource, by: Actor): void;
  /** Chat for this meeting, started as soon as the server let us in. */
  startChat(signal: SignalClient, selfId: string): void;
  /** Media started: from now on the room follows and owns it. */
  attachSession(session: MediaCoordinator): void;
  /** The room's media session, if any. */
  session(): MediaCoordinator | null;
  /** Publishes what the person had on (mic, camera) once in the meeting. */
  publishLocalTracks(): Promise<void>;
  /** Ends media and signaling and forgets the remote side (a join that failed). */
  disconnect(options: { sendLeave: boolean }): void;
  /** The connection ended for good while in the meeting. */
  lost(reason: Message): void;
}

export class JoinFlow {
  readonly #options: JoinFlowOptions;
  #signal: SignalClient | null = null;
  /** Proves to the server that a reconnecting socket is still this person; each resume brings a new one. */
  #resumeToken: string | null = null;
  /** The server's answer to the last resume, applied to the media once requests flow again. */
  #resumed: ResumedSession | null = null;
  #unsubscribers: Array<() => void> = [];
  // Bumped by every join and leave, so a join that is overtaken stops touching state.
  #attempt = 0;

  constructor(options: JoinFlowOptions) {
    this.#options = options;
  }

  /** The connection to the server while joining or in the meeting. */
  get signal(): SignalClient | null {
    return this.#signal;
  }

  async join(displayName: string): Promise<void> {
    const { room } = this.#options;
    if (room.phase === 'joining' || room.phase === 'joined') return;
    const attempt = ++this.#attempt;
    const stale = (): boolean => attempt !== this.#attempt;
    room.phase = 'joining';
    room.joinError = null;
    room.disconnectReason = null;
    room.notice = null;
    room.displayName = displayName.trim();
    rememberDisplayName(room.displayName);
    try {
      // Joining without devices is allowed; the start only has to be settled.
      await room.local.start();
      const signal = await SignalClient.connect();
      if (stale()) return signal.close();
      this.#signal = signal;
      this.#unsubscribers.push(
        signal.onClose((event) => this.#onSignalClosed(event)),
        signal.on('peerJoined', ({ peer }) => this.#options.addPeer(peer)),
        signal.on('peerLeft', ({ peerId }) => this.#options.removePeer(peerId)),
        // Only for frames the server could not tie to a request: a client bug, nothing to show.
        signal.on('error', ({ code, message }) => console.warn(`server reported ${code}: ${message}`)),
      );
      // Others must not see us unmuted for a moment when we join muted.
      const muted = { mic: !(room.local.micEnabled && room.local.micTrack), camera: !(room.local.cameraEnabled && room.local.cameraTrack) };
      const request = { roomId: room.roomId, displayName: room.displayName, muted, ...(room.joinToken ? { token: room.joinToken } : {}) };
      const joined = await joinThroughLobby(signal, request, (waiting) => (room.moderation.waitingInLobby = waiting));
      if (stale()) return;
      room.peerId = joined.peerId;
      this.#unsubscribers.push(
        room.moderation.attach(signal, joined, { mutedByModerator: (source, by) => this.#options.mutedByModerator(source, by) }),
      );
      this.#enableResume(signal, joined.resumeToken, joined.resumeGraceMs);
      this.#options.startChat(signal, joined.peerId);
      for (const peer of joined.peers) this.#options.addPeer(peer);
      const session = await MediaCoordinator.start(signal, {
        selfId: joined.peerId,
        routerRtpCapabilities: joined.routerRtpCapabilities,
        peers: joined.peers,
        muted,
        iceServers: joined.iceServers,
      });
      if (stale()) return session.close();
      this.#options.attachSession(session);
      room.phase = 'joined';
      // Device labels are readable once a device was granted; hot-plugging is followed from now on.
      void room.devices.start();
    } catch (error) {
      if (stale()) return;
      console.error('join failed', error);
      this.#options.disconnect({ sendLeave: true });
      room.phase = 'prejoin';
      room.joinError = describeJoinError(error);
      return;
    }
    await this.#options.publishLocalTracks();
  }

  /** A leave, or the meeting ended here: a join still under way stops touching state. */
  cancel(): void {
    this.#attempt++;
  }

  /** Stops following the meeting and closes the connection (the resume token goes with it). */
  closeConnection({ sendLeave }: { sendLeave: boolean }): void {
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    this.#unsubscribers = [];
    const signal = this.#signal;
    this.#signal = null;
    if (signal && !signal.closed) {
      // Best effort: the socket closing right after is what the server will act on anyway.
      if (sendLeave) signal.request('leave', {}).catch(() => undefined);
      signal.close();
    }
    this.#resumeToken = null;
    this.#resumed = null;
  }

  #onSignalClosed(event: SignalCloseEvent): void {
    const { phase } = this.#options.room;
    // While joining, the pending request fails and join() reports it; after leaving, closing is expected.
    if (event.byClient || (phase !== 'joined' && phase !== 'reconnecting')) return;
    this.#options.lost(describeDisconnect(event));
  }

  /**
   * From now on a broken connection is replaced by a new one that resumes this session (see
   * SignalClient): the page stays as it is, with a "reconnecting" banner meanwhile. Only if that fails
   * (the server forgot this person, or the grace period ran out) does the meeting end here.
   */
  #enableResume(signal: SignalClient, resumeToken: string, graceMs: number): void {
    const { room } = this.#options;
    this.#resumeToken = resumeToken;
    if (graceMs <= 0) return;
    signal.enableReconnect({
      giveUpAfterMs: graceMs,
      resume: async () => {
        const peerId = room.peerId;
        const token = this.#resumeToken;
        if (!peerId || !token) throw new Error('nothing to resume');
        const resumed = await signal.request('resume', { roomId: room.roomId, peerId, resumeToken: token });
        this.#resumeToken = resumed.resumeToken;
        this.#resumed = resumed;
        // Who came and went meanwhile; nothing sent after this answer has been handled yet.
        const present = new Set(resumed.peers.map((peer) => peer.id));
        for (const peerId of Object.keys(room.peers)) if (!present.has(peerId)) this.#options.removePeer(peerId);
        for (const peer of resumed.peers) this.#options.addPeer(peer);
      },
    });
    this.#unsubscribers.push(
      signal.onReconnecting(() => {
        if (room.phase === 'joined') room.phase = 'reconnecting';
      }),
      signal.onReconnected(() => {
        const resumed = this.#resumed;
        this.#resumed = null;
        if (room.phase !== 'reconnecting') return;
        room.phase = 'joined';
        room.reconnects++;
        if (resumed) {
          this.#options.session()?.resumed(resumed).catch((error: unknown) => {
            console.error('catching up after reconnecting failed', error);
            room.notice = messageOf(error);
          });
        }
      }),
    );
  }
}
