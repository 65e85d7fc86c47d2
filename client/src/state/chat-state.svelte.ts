/**
 * Chat as the UI sees it: the lines, whether the panel is open and how many lines came while it was
 * closed, whose hand is up, and who just reacted. It drives a ChatClient (which knows the paths) and
 * mirrors its events into runes; components read this and call its methods.
 */
import type { ChatRejection, Reaction } from '../../../protocol/chat.js';
import type { ChatClient, ChatPathStats, SendResult } from '../chat/chat-client.js';
import type { ChatLink } from '../chat/chat-link.js';
import type { ChatEntry } from '../chat/chat-timeline.js';
import { message, type Message } from '../i18n/index.js';

/** How long a reaction floats on its tile. */
const REACTION_SHOWN_MS = 4000;

export class ChatState {
  /** Chat lines, in display order (a new array on every change). */
  entries = $state.raw<readonly ChatEntry[]>([]);
  raisedHands = $state.raw<ReadonlySet<string>>(new Set());
  /** The reaction shown on each peer's tile right now. */
  reactions = $state<Record<string, { emoji: Reaction; key: string }>>({});
  open = $state(false);
  /** Lines from others that arrived while the panel was closed. */
  unread = $state(0);
  /** Why the last send did not go out (too fast, too long, refused), shown above the input. */
  problem = $state<Message | null>(null);
  selfId = $state<string | null>(null);

  readonly handRaised = $derived(this.selfId !== null && this.raisedHands.has(this.selfId));
  readonly available = $derived(this.selfId !== null);

  #client: ChatClient | null = null;
  #unsubscribers: Array<() => void> = [];
  readonly #counted = new Set<string>();
  readonly #reactionTimers = new Map<string, ReturnType<typeof setTimeout>>();

  /** Starts showing a meeting's chat. The lines of an earlier connection stay until history replaces them. */
  attach(client: ChatClient, selfId: string): void {
    this.detach();
    this.#client = client;
    this.selfId = selfId;
    this.raisedHands = client.raisedHands;
    this.#unsubscribers = [
      client.events.on('timeline', (entries) => this.#onTimeline(entries)),
      client.events.on('hands', (hands) => (this.raisedHands = hands)),
      client.events.on('reaction', ({ peerId, emoji, key }) => this.#showReaction(peerId, emoji, key)),
      client.events.on('refused', ({ kind, rejection }) => {
        // A refused line says so itself; a hand or a reaction only has this.
        if (kind !== 'chat') this.problem = describeRefusal(rejection);
      }),
    ];
  }

  /** Stops following the meeting (left, or disconnected); what is shown stays readable. */
  detach(): void {
    for (const unsubscribe of this.#unsubscribers) unsubscribe();
    this.#unsubscribers = [];
    this.#client?.close();
    this.#client = null;
    this.selfId = null;
    this.raisedHands = new Set();
    for (const timer of this.#reactionTimers.values()) clearTimeout(timer);
    this.#reactionTimers.clear();
    this.reactions = {};
  }

  addLink(link: ChatLink): void {
    this.#client?.addLink(link);
  }

  /** Sends a line; false (with `problem` set) when it could not go out. */
  send(text: string): boolean {
    return this.#result(this.#client?.sendText(text));
  }

  retry(key: string): boolean {
    return this.#result(this.#client?.retry(key));
  }

  toggleHand(): boolean {
    return this.#result(this.#client?.setHand(!this.handRaised));
  }

  react(emoji: Reaction): boolean {
    return this.#result(this.#client?.react(emoji));
  }

  setOpen(open: boolean): void {
    this.open = open;
    if (open) this.unread = 0;
  }

  forgetPeer(peerId: string): void {
    this.#client?.forgetPeer(peerId);
  }

  /** Which ways the copies came (null outside a meeting). */
  pathStats(): ChatPathStats | null {
    return this.#client?.pathStats ?? null;
  }

  #result(result: SendResult | undefined): boolean {
    if (result?.ok) {
      this.problem = null;
      return true;
    }
    const problem = result?.problem ?? 'closed';
    this.problem =
      problem === 'tooFast'
        ? message('chat.error.tooFast')
        : problem === 'tooLong'
          ? message('chat.error.tooLong')
          : problem === 'forbidden'
            ? message('chat.error.forbidden')
            : problem === 'empty'
              ? null
              : message('chat.error.notConnected');
    return false;
  }

  #onTimeline(entries: readonly ChatEntry[]): void {
    let fresh = 0;
    for (const entry of entries) {
      if (this.#counted.has(entry.key)) continue;
      this.#counted.add(entry.key);
      if (!entry.mine) fresh++;
    }
    if (!this.open) this.unread += fresh;
    this.entries = entries;
  }

  #showReaction(peerId: string, emoji: Reaction, key: string): void {
    this.reactions[peerId] = { emoji, key };
    clearTimeout(this.#reactionTimers.get(peerId));
    this.#reactionTimers.set(
      peerId,
      setTimeout(() => {
        this.#reactionTimers.delete(peerId);
        if (this.reactions[peerId]?.key === key) delete this.reactions[peerId];
      }, REACTION_SHOWN_MS),
    );
  }
}

/** The sentence for a refusal from the server (its own message is English and for logs). */
export function describeRefusal(rejection: ChatRejection): Message {
  switch (rejection.code) {
    case 'RATE_LIMITED':
      return message('chat.error.tooFast');
    case 'TOO_LARGE':
      return message('chat.error.tooLong');
    case 'FORBIDDEN':
      return message('chat.error.forbidden');
    default:
      return message('chat.error.refused', { detail: rejection.message });
  }
}
