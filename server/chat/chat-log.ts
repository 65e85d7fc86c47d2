/**
 * What a room remembers of its chat: the running message number, the last chat lines (for late
 * joiners) and whose hand is up. Plain data, no mediasoup: it outlives a router rebuilt on another
 * worker, so the history survives that too.
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../../protocol/chat.js';

export class ChatLog {
  /** Names this numbering: a room that starts over on another node numbers from 1 again. */
  readonly id = randomUUID();
  readonly #capacity: number;
  // A ring would save the shift, but 200 entries make it irrelevant; an array reads plainly.
  readonly #history: ChatMessage[] = [];
  readonly #raisedHands = new Set<string>();
  #seq = 0;

  /** `capacity`: chat lines kept (0 keeps none: the server then only relays). */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get latestSeq(): number {
    return this.#seq;
  }

  /** The next room sequence number, given out once. */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** Remembers a stamped message: chat lines go to history, hands change the raised set. Reactions pass. */
  record(message: ChatMessage): void {
    if (message.kind === 'chat') {
      if (this.#capacity === 0) return;
      this.#history.push(message);
      if (this.#history.length > this.#capacity) this.#history.shift();
    } else if (message.kind === 'hand') {
      if (message.raised) this.#raisedHands.add(message.sender);
      else this.#raisedHands.delete(message.sender);
    }
  }

  /** Chat lines with `seq` above `afterSeq` (all kept ones by default), oldest first. */
  history(afterSeq = 0): ChatMessage[] {
    return this.#history.filter((message) => message.seq > afterSeq);
  }

  raisedHands(): string[] {
    return [...this.#raisedHands];
  }

  /** The peer left: its hand comes down with it (its lines stay in history). */
  forget(peerId: string): void {
    this.#raisedHands.delete(peerId);
  }
}
