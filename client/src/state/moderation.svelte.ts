/**
 * Access control as the UI sees it: what this participant may do (its grants), who moderates, the
 * room's access (open, lobby, locked), who waits in the lobby, and the moderator's actions (mute,
 * remove, lock, admit). The server decides all of it; this mirrors its notifications.
 */
import type { MediaSource } from '../../../protocol/media.js';
import type { Actor, Grants, Knock, RoomAccess } from '../../../protocol/moderation.js';
import type { PeerInfo } from '../../../protocol/peer.js';
import { message, type Message } from '../i18n/index.js';
import type { SignalClient } from '../signal/signal-client.js';

const OPEN_GRANTS: Grants = { publish: true, subscribe: true, chat: true, moderate: false };

export interface ModerationEvents {
  /** A moderator (or the operator, `by` null) muted one of this participant's sources. */
  mutedByModerator(source: MediaSource, by: Actor): void;
}

export class ModerationState {
  grants = $state<Grants>({ ...OPEN_GRANTS });
  access = $state<RoomAccess>('open');
  /** Who waits in the lobby (moderators only hear of it). */
  knocks = $state.raw<Knock[]>([]);
  /** Other participants who moderate, by peer id. */
  moderators = $state<Record<string, true>>({});
  /** While joining: knocked, waiting for a moderator's answer. */
  waitingInLobby = $state(false);
  /** The participants panel is open. */
  panelOpen = $state(false);
  /** A moderator action is on its way (buttons wait for it). */
  busy = $state(false);
  /** Why the last moderator action failed (e.g. the person already left). */
  problem = $state<Message | null>(null);

  readonly canModerate = $derived(this.grants.moderate);

  #signal: SignalClient | null = null;
  #selfId: string | null = null;

  /** Follows the meeting on `signal` from its join answer on; returns the function that stops it. */
  attach(
    signal: SignalClient,
    joined: { peerId: string; grants: Grants; access: RoomAccess; peers: PeerInfo[] },
    events: ModerationEvents,
  ): () => void {
    this.#signal = signal;
    this.#selfId = joined.peerId;
    this.grants = { ...joined.grants };
    this.access = joined.access;
    this.knocks = [];
    this.moderators = {};
    for (const peer of joined.peers) this.#track(peer);
    const unsubscribers = [
      signal.on('peerJoined', ({ peer }) => this.#track(peer)),
      signal.on('peerLeft', ({ peerId }) => delete this.moderators[peerId]),
      signal.on('peerUpdated', ({ peer }) => {
        if (peer.id === this.#selfId) this.grants = { ...this.grants, moderate: peer.moderator === true };
        else this.#track(peer);
      }),
      signal.on('roomAccessChanged', ({ access }) => (this.access = access)),
      signal.on('lobbyChanged', ({ knocks }) => (this.knocks = knocks)),
      signal.on('mutedByModerator', ({ source, by }) => events.mutedByModerator(source, by)),
    ];
    return () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      this.#signal = null;
      this.knocks = [];
      this.moderators = {};
      this.panelOpen = false;
    };
  }

  isModerator(peerId: string): boolean {
    return this.moderators[peerId] === true;
  }

  mute(peerId: string, source: MediaSource): Promise<void> {
    return this.#act((signal) => signal.request('mutePeer', { peerId, source }));
  }

  remove(peerId: string): Promise<void> {
    return this.#act((signal) => signal.request('removePeer', { peerId }));
  }

  setAccess(access: RoomAccess): Promise<void> {
    return this.#act(async (signal) => {
      const answer = await signal.request('setRoomAccess', { access });
      this.access = answer.access;
    });
  }

  admit(knockId: string): Promise<void> {
    return this.#act((signal) => signal.request('admitKnock', { knockId }));
  }

  deny(knockId: string): Promise<void> {
    return this.#act((signal) => signal.request('denyKnock', { knockId }));
  }

  #track(peer: PeerInfo): void {
    if (peer.moderator) this.moderators[peer.id] = true;
    else delete this.moderators[peer.id];
  }

  async #act(action: (signal: SignalClient) => Promise<unknown>): Promise<void> {
    const signal = this.#signal;
    if (!signal || this.busy) return;
    this.busy = true;
    this.problem = null;
    try {
      await action(signal);
    } catch (error) {
      // The server's message is safe to show (e.g. "nobody with that peer id is in this meeting").
      this.problem = message('moderation.error', { detail: error instanceof Error ? error.message : String(error) });
    } finally {
      this.busy = false;
    }
  }
}
