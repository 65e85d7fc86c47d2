/**
 * Chat, hands and reactions for one meeting, whatever carries them. Every message goes to the server
 * (over the SFU chat link when one is open, else over signaling) and, when a P2P link is open, also
 * straight to the other browser. Copies are merged by sender + id, so each message shows once however
 * many ways it came; an own message stays in the outbox until the server's stamped copy comes back,
 * and is sent again on the next path after a switch, so none is lost. A gap in the server's running
 * numbers means something was missed: the client asks for history from there.
 */
import {
  MAX_CHAT_TEXT_BYTES,
  utf8Length,
  type ChatLimits,
  type ChatMessage,
  type ChatRejection,
  type ChatSnapshot,
  type OutgoingChatMessage,
  type Reaction,
} from '../../../protocol/chat.js';
import type { ErrorCode } from '../../../protocol/errors.js';
import type { SignalClient } from '../signal/signal-client.js';
import { SignalError } from '../signal/signal-error.js';
import { Emitter } from '../util/emitter.js';
import { TokenBucket } from '../../../protocol/token-bucket.js';
import type { ChatLink } from './chat-link.js';
import { newChatId } from './chat-id.js';
import { RaisedHands } from './raised-hands.js';
import { SeqGaps } from './seq-gaps.js';
import { ChatTimeline, entryKey, type ChatEntry } from './chat-timeline.js';
import { isValidChatText, readPeerFrame, readServerFrame, toStamped } from './chat-wire.js';

/** The server's defaults, used until its own limits arrive with the first snapshot. */
const DEFAULT_LIMITS: ChatLimits = { maxTextBytes: MAX_CHAT_TEXT_BYTES, burst: 20, perSecond: 5 };

/** An own message with no stamped copy back after this long is sent again (the server ignores repeats). */
const ACK_TIMEOUT_MS = 4000;
/** How long a gap in the running numbers may last before asking for history (copies can cross paths). */
const GAP_WAIT_MS = 800;
/** Reaction and hand keys remembered for de-duplication. */
const REMEMBERED_EVENTS = 2000;

/** Refusals that are final: sending the same message again would be refused again. */
const FINAL_REFUSALS: readonly ErrorCode[] = ['BAD_REQUEST', 'TOO_LARGE', 'RATE_LIMITED', 'FORBIDDEN'];

export type SendProblem = 'empty' | 'tooLong' | 'tooFast' | 'forbidden' | 'closed';
export type SendResult = { ok: true } | { ok: false; problem: SendProblem };

export interface ChatClientEvents {
  /** The chat lines changed (a new line, or a line's state). */
  timeline: [readonly ChatEntry[]];
  /** Whose hand is raised changed. */
  hands: [ReadonlySet<string>];
  /** Someone (this client included) reacted; shown for a moment, never stored. */
  reaction: [{ peerId: string; emoji: Reaction; key: string }];
  /** The server refused one of this client's messages. Lines show it themselves; hands and reactions need a word. */
  refused: [{ kind: OutgoingChatMessage['kind']; rejection: ChatRejection }];
}

/** Which way a copy came: the SFU relay, a signaling notification or answer, history, the P2P channel. */
export type ChatVia = 'relay' | 'signaling' | 'history' | 'peer';

/** Copies received per way, and by which way each chat line from someone else arrived first. */
export interface ChatPathStats {
  copies: Record<ChatVia, number>;
  firstVia: Record<ChatVia, number>;
}

export interface ChatClientOptions {
  signal: SignalClient;
  selfId: string;
  /** The display name of a peer, for direct (P2P) copies that arrive before the server's. */
  nameOf: (peerId: string) => string;
  /**
   * Whether this participant may post chat lines (its `chat` grant). Checked before a line goes out
   * on any path: the server would refuse it, but a P2P copy would already have reached the other side.
   */
  mayChat?: () => boolean;
}

interface Pending {
  message: OutgoingChatMessage;
  lastSentAt: number;
}

export class ChatClient {
  readonly events = new Emitter<ChatClientEvents>();
  readonly timeline = new ChatTimeline();
  readonly #signal: SignalClient;
  readonly #selfId: string;
  readonly #nameOf: (peerId: string) => string;
  readonly #mayChat: () => boolean;
  readonly #links = new Map<ChatLink, () => void>();
  readonly #outbox = new Map<string, Pending>();
  #hands = new RaisedHands();
  readonly #seenEvents = new Set<string>();
  readonly #peerBuckets = new WeakMap<ChatLink, TokenBucket>();
  readonly #unsubscribers: Array<() => void> = [];
  readonly #retryTimer: ReturnType<typeof setInterval>;
  #limits = DEFAULT_LIMITS;
  #bucket = new TokenBucket(DEFAULT_LIMITS);
  #senderSeq = 0;
  #gaps = new SeqGaps();
  /** The server's numbering that `#gaps` and the hands' `seq` are in (ChatSnapshot.logId). */
  #logId: string | undefined;
  #gapTimer: ReturnType<typeof setTimeout> | null = null;
  #catchingUp = false;
  #closed = false;
  readonly #stats: ChatPathStats = {
    copies: { relay: 0, signaling: 0, history: 0, peer: 0 },
    firstVia: { relay: 0, signaling: 0, history: 0, peer: 0 },
  };

  constructor(options: ChatClientOptions) {
    this.#signal = options.signal;
    this.#selfId = options.selfId;
    this.#nameOf = options.nameOf;
    this.#mayChat = options.mayChat ?? (() => true);
    this.#unsubscribers.push(
      options.signal.on('chatMessage', (data) => {
        const message = toStamped(data);
        if (message) this.#receiveStamped(message, 'signaling');
      }),
      options.signal.on('chatRejected', (rejection) => this.#refused(rejection)),
      // Whatever the server sent while the socket was down is lost: fetch it, and send the outbox again.
      options.signal.onReconnected(() => this.resync()),
    );
    this.#retryTimer = setInterval(() => this.#resendOverdue(), ACK_TIMEOUT_MS / 4);
  }

  get limits(): ChatLimits {
    return this.#limits;
  }

  get raisedHands(): ReadonlySet<string> {
    return this.#hands.raised();
  }

  /** How copies arrived (tests and the debug view read it). */
  get pathStats(): ChatPathStats {
    return structuredClone(this.#stats);
  }

  /** Own messages the server has not confirmed yet. */
  get unconfirmed(): number {
    return this.#outbox.size;
  }

  /** Loads recent history, raised hands and the server's limits. */
  async start(): Promise<void> {
    const snapshot = await this.#signal.request('chatState', {});
    this.#applySnapshot(snapshot);
  }

  /** Starts using a link (SFU or P2P); it is dropped again when it closes. */
  addLink(link: ChatLink): void {
    if (this.#closed || this.#links.has(link)) return;
    if (link.kind === 'peer') {
      this.#peerBuckets.set(link, new TokenBucket({ burst: this.#limits.burst + 2, perSecond: this.#limits.perSecond }));
    }
    const unsubscribe = [
      link.events.on('message', (data) => this.#onLinkMessage(link, data)),
      link.events.on('open', () => this.#onLinkChange(link)),
      link.events.on('close', () => this.#dropLink(link)),
    ];
    this.#links.set(link, () => unsubscribe.forEach((off) => off()));
    if (link.isOpen) this.#onLinkChange(link);
  }

  sendText(rawText: string): SendResult {
    const text = rawText.trim();
    if (text.length === 0) return { ok: false, problem: 'empty' };
    if (utf8Length(text) > this.#limits.maxTextBytes || !isValidChatText(text)) return { ok: false, problem: 'tooLong' };
    if (!this.#mayChat()) return { ok: false, problem: 'forbidden' };
    const paced = this.#pace();
    if (!paced.ok) return paced;
    const message: OutgoingChatMessage = { id: newChatId(), senderSeq: ++this.#senderSeq, kind: 'chat', text };
    this.#addOwnLine(message);
    this.#post(message);
    return { ok: true };
  }

  /** Sends a line the server refused again (e.g. after waiting out the rate limit). */
  retry(key: string): SendResult {
    const entry = this.timeline.get(key);
    if (!entry || !entry.mine || entry.status !== 'failed') return { ok: false, problem: 'closed' };
    if (!this.#mayChat()) return { ok: false, problem: 'forbidden' };
    const paced = this.#pace();
    if (!paced.ok) return paced;
    this.timeline.setStatus(key, 'sending');
    this.#emitTimeline();
    this.#post({ id: entry.id, senderSeq: entry.senderSeq, kind: 'chat', text: entry.text });
    return { ok: true };
  }

  setHand(raised: boolean): SendResult {
    const paced = this.#pace();
    if (!paced.ok) return paced;
    const message: OutgoingChatMessage = { id: newChatId(), senderSeq: ++this.#senderSeq, kind: 'hand', raised };
    this.#applyHand(this.#selfId, raised, message.senderSeq, null);
    this.#post(message);
    return { ok: true };
  }

  react(emoji: Reaction): SendResult {
    const paced = this.#pace();
    if (!paced.ok) return paced;
    const message: OutgoingChatMessage = { id: newChatId(), senderSeq: ++this.#senderSeq, kind: 'reaction', emoji };
    this.#showReaction(this.#selfId, emoji, entryKey(this.#selfId, message.id));
    this.#post(message);
    return { ok: true };
  }

  /** A peer left: its hand comes down (its lines stay). */
  forgetPeer(peerId: string): void {
    if (this.#hands.forget(peerId)) this.events.emit('hands', this.raisedHands);
  }

  /**
   * Catches up after the connection to the server was interrupted (e.g. a resumed session): asks for
   * everything after the last message seen, and sends unconfirmed messages again.
   */
  resync(): void {
    if (this.#closed) return;
    for (const pending of this.#outbox.values()) this.#sendToServer(pending);
    void this.#catchUp();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#retryTimer);
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    for (const detach of this.#links.values()) detach();
    this.#links.clear();
    this.#outbox.clear();
    this.events.removeAllListeners();
  }

  #pace(): SendResult {
    if (this.#closed) return { ok: false, problem: 'closed' };
    // The server enforces the same limits; pacing here keeps a P2P copy from getting ahead of a refusal.
    return this.#bucket.take() ? { ok: true } : { ok: false, problem: 'tooFast' };
  }

  #addOwnLine(message: OutgoingChatMessage & { kind: 'chat' }): void {
    this.timeline.upsert({
      key: entryKey(this.#selfId, message.id),
      id: message.id,
      sender: this.#selfId,
      senderName: this.#nameOf(this.#selfId),
      senderSeq: message.senderSeq,
      text: message.text,
      timestamp: Date.now(),
      seq: null,
      mine: true,
      status: 'sending',
      error: null,
    });
    this.#emitTimeline();
  }

  #post(message: OutgoingChatMessage): void {
    const pending = { message, lastSentAt: 0 };
    this.#outbox.set(message.id, pending);
    this.#sendToServer(pending);
    const json = JSON.stringify(message);
    for (const link of this.#links.keys()) if (link.kind === 'peer' && link.isOpen) link.send(json);
  }

  #sendToServer(pending: Pending): void {
    pending.lastSentAt = Date.now();
    const link = this.#serverLink();
    if (link) {
      link.send(JSON.stringify(pending.message));
      return;
    }
    if (this.#signal.closed) return; // the retry timer tries again once there is a way
    const { message } = pending;
    this.#signal.request('sendChat', message).then(
      ({ message: stamped }) => {
        const checked = toStamped(stamped);
        if (checked && !this.#closed) this.#receiveStamped(checked, 'signaling');
      },
      (error: unknown) => {
        // Anything else (timeout, connection lost) is not an answer: the retry timer sends it again.
        if (error instanceof SignalError && (FINAL_REFUSALS as readonly string[]).includes(error.code)) {
          this.#refused({ id: message.id, code: error.code as ErrorCode, message: error.message });
        }
      },
    );
  }

  #serverLink(): ChatLink | undefined {
    for (const link of this.#links.keys()) if (link.kind === 'server' && link.isOpen) return link;
    return undefined;
  }

  #resendOverdue(): void {
    const due = Date.now() - ACK_TIMEOUT_MS;
    for (const pending of this.#outbox.values()) if (pending.lastSentAt <= due) this.#sendToServer(pending);
  }

  #onLinkChange(link: ChatLink): void {
    if (this.#closed || link.kind !== 'server' || !link.isOpen) return;
    // A new way to the server: what is unconfirmed goes that way, and what went past us meanwhile comes back.
    for (const pending of this.#outbox.values()) this.#sendToServer(pending);
    void this.#catchUp();
  }

  #dropLink(link: ChatLink): void {
    this.#links.get(link)?.();
    this.#links.delete(link);
    // Frames in flight on a closing server link may be lost: use whatever path is left now.
    if (link.kind === 'server' && !this.#closed) {
      for (const pending of this.#outbox.values()) this.#sendToServer(pending);
      void this.#catchUp();
    }
  }

  #onLinkMessage(link: ChatLink, data: unknown): void {
    if (this.#closed) return;
    if (link.kind === 'server') {
      const message = readServerFrame(data);
      if (message) this.#receiveStamped(message, 'relay');
      else console.warn('chat: ignoring a malformed frame from the server');
      return;
    }
    const sender = link.remotePeerId;
    const message = readPeerFrame(data);
    // The other browser gets the server's treatment: malformed or too fast is dropped, not shown.
    if (!sender || sender === this.#selfId || !message || !this.#peerBuckets.get(link)?.take()) return;
    this.#receiveDirect(sender, message);
  }

  /** A copy straight from the other browser: attributed to the peer at the other end of the link. */
  #receiveDirect(sender: string, message: OutgoingChatMessage): void {
    const key = entryKey(sender, message.id);
    this.#count('peer', message.kind === 'chat' && !this.timeline.get(key));
    switch (message.kind) {
      case 'chat':
        if (
          this.timeline.upsert({
            key,
            id: message.id,
            sender,
            senderName: this.#nameOf(sender),
            senderSeq: message.senderSeq,
            text: message.text,
            timestamp: Date.now(),
            seq: null,
            mine: false,
            status: 'sent',
            error: null,
          })
        ) {
          this.#emitTimeline();
        }
        return;
      case 'hand':
        this.#applyHand(sender, message.raised, message.senderSeq, null);
        return;
      case 'reaction':
        this.#showReaction(sender, message.emoji, key);
        return;
    }
  }

  #receiveStamped(message: ChatMessage, via: ChatVia): void {
    if (this.#closed) return;
    this.#noteSeq(message.seq);
    const first = message.kind === 'chat' && message.sender !== this.#selfId && !this.timeline.get(entryKey(message.sender, message.id));
    this.#count(via, first);
    if (message.sender === this.#selfId) this.#outbox.delete(message.id);
    switch (message.kind) {
      case 'chat':
        if (this.timeline.upsertStamped(message, this.#selfId)) this.#emitTimeline();
        return;
      case 'hand':
        this.#applyHand(message.sender, message.raised, message.senderSeq, message.seq);
        return;
      case 'reaction':
        this.#showReaction(message.sender, message.emoji, entryKey(message.sender, message.id));
        return;
    }
  }

  #refused(rejection: ChatRejection): void {
    if (this.#closed) return;
    const pending = rejection.id === undefined ? undefined : this.#outbox.get(rejection.id);
    if (rejection.id !== undefined) this.#outbox.delete(rejection.id);
    const kind = pending?.message.kind ?? 'chat';
    if (pending?.message.kind === 'chat') {
      if (this.timeline.setStatus(entryKey(this.#selfId, pending.message.id), 'failed', rejection)) this.#emitTimeline();
    } else if (pending?.message.kind === 'hand') {
      // The hand did not go up (or down) for the others: show the truth.
      if (this.#hands.revert(this.#selfId, pending.message.senderSeq)) this.events.emit('hands', this.raisedHands);
    }
    this.events.emit('refused', { kind, rejection });
  }

  #applyHand(peerId: string, raised: boolean, senderSeq: number, seq: number | null): void {
    if (this.#hands.apply(peerId, raised, senderSeq, seq)) this.events.emit('hands', this.raisedHands);
  }

  #showReaction(peerId: string, emoji: Reaction, key: string): void {
    if (this.#seenEvents.has(key)) return;
    this.#seenEvents.add(key);
    if (this.#seenEvents.size > REMEMBERED_EVENTS) {
      const oldest = this.#seenEvents.values().next().value;
      if (oldest !== undefined) this.#seenEvents.delete(oldest);
    }
    this.events.emit('reaction', { peerId, emoji, key });
  }

  #noteSeq(seq: number): void {
    if (!this.#gaps.note(seq)) return;
    // Copies on two paths can cross: wait a moment before deciding something was lost.
    this.#gapTimer ??= setTimeout(() => {
      this.#gapTimer = null;
      if (this.#gaps.hasGap) void this.#catchUp();
    }, GAP_WAIT_MS);
  }

  async #catchUp(): Promise<void> {
    if (this.#catchingUp || this.#closed || this.#signal.closed) return;
    this.#catchingUp = true;
    try {
      const known = this.#logId === undefined ? {} : { logId: this.#logId };
      const snapshot = await this.#signal.request('chatState', { afterSeq: this.#gaps.caughtUpTo, ...known });
      this.#applySnapshot(snapshot);
    } catch (error) {
      console.warn('chat: could not catch up', error);
    } finally {
      this.#catchingUp = false;
    }
  }

  #applySnapshot(snapshot: ChatSnapshot): void {
    if (this.#closed) return;
    const { burst, perSecond, maxTextBytes } = snapshot.limits;
    // A new bucket only for new limits: a catch-up must not refill the pace.
    if (burst !== this.#limits.burst || perSecond !== this.#limits.perSecond) this.#bucket = new TokenBucket({ burst, perSecond });
    this.#limits = { burst, perSecond, maxTextBytes };
    let changed = false;
    for (const raw of snapshot.messages) {
      const message = toStamped(raw);
      if (!message) continue;
      if (message.sender === this.#selfId) this.#outbox.delete(message.id);
      this.#count('history', message.sender !== this.#selfId && !this.timeline.get(entryKey(message.sender, message.id)));
      if (message.kind === 'chat' && this.timeline.upsertStamped(message, this.#selfId)) changed = true;
    }
    if (changed) this.#emitTimeline();
    let handsChanged = false;
    if (this.#logId !== undefined && snapshot.logId !== this.#logId) {
      // The room's chat started over on another server (its cluster node died): numbers from before
      // mean nothing there. This snapshot is the server's whole view in the new numbering.
      this.#gaps = new SeqGaps();
      this.#hands = new RaisedHands();
      handsChanged = true;
    }
    this.#logId = snapshot.logId;
    if (this.#hands.applySnapshot(new Set(snapshot.raisedHands), snapshot.latestSeq)) handsChanged = true;
    if (handsChanged) this.events.emit('hands', this.raisedHands);
    // Anything up to latestSeq that history does not hold is a hand (now in the snapshot), a
    // reaction (gone by now anyway) or a line older than the history: nothing more to fetch.
    this.#gaps.caughtUp(snapshot.latestSeq);
  }

  #count(via: ChatVia, first: boolean): void {
    this.#stats.copies[via]++;
    if (first) this.#stats.firstVia[via]++;
  }

  #emitTimeline(): void {
    this.events.emit('timeline', this.timeline.entries);
  }
}
