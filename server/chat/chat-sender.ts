/**
 * What the server keeps about one peer as a chat sender: its rate budget, the ids it used recently
 * (so a message resent after a path switch is recognised, not posted twice) and how often it was
 * refused (a client refused again and again is broken or hostile).
 */
import type { ChatLimits, ChatMessage } from '../../protocol/chat.js';
import { TokenBucket } from '../../protocol/token-bucket.js';

/** Ids remembered per sender: resends happen within seconds, long before this many newer messages. */
const REMEMBERED_IDS = 512;

/**
 * Extra burst on top of the configured one. Clients pace themselves with the same limits, but the
 * network can bunch up messages sent evenly; without slack an honest client would sometimes be refused.
 */
const JITTER_SLACK = 2;

/** Refusals within a minute after which the peer's chat data channel is closed. */
export const MAX_REFUSALS_PER_MINUTE = 100;

export class ChatSender {
  readonly #bucket: TokenBucket;
  /** Answers to repeated ids and refusal notices: bounded too, so neither can flood the signaling socket. */
  readonly #replies = new TokenBucket({ burst: 20, perSecond: 10 });
  readonly #recent = new Map<string, ChatMessage>();
  #refusals: number[] = [];

  constructor(limits: ChatLimits) {
    this.#bucket = new TokenBucket({ burst: limits.burst + JITTER_SLACK, perSecond: limits.perSecond });
  }

  /** The stamped message this sender already posted under `id`, if it did recently. */
  posted(id: string): ChatMessage | undefined {
    return this.#recent.get(id);
  }

  remember(message: ChatMessage): void {
    this.#recent.set(message.id, message);
    if (this.#recent.size > REMEMBERED_IDS) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
  }

  /** Takes one message from the rate budget. */
  takeToken(): boolean {
    return this.#bucket.take();
  }

  /** Whether a reply (a repeated message's copy, a refusal notice) may be sent now. */
  mayReply(): boolean {
    return this.#replies.take();
  }

  /** Counts a refusal; true when this sender passed MAX_REFUSALS_PER_MINUTE. */
  refused(now = Date.now()): boolean {
    this.#refusals = this.#refusals.filter((at) => now - at < 60_000);
    this.#refusals.push(now);
    return this.#refusals.length > MAX_REFUSALS_PER_MINUTE;
  }
}
