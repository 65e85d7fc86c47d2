/**
 * The chat lines shown, in order, each once. A line can arrive up to three times (over P2P, through
 * the server's relay, in history) and the copies in any order; they are one entry, keyed by sender +
 * id. Placement: by the server's running number when known, but never against the sender's own order
 * (`senderSeq`), so one person's lines always read in the order they were written.
 */
import type { ChatMessage, ChatRejection } from '../../../protocol/chat.js';

export type ChatEntryStatus = 'sending' | 'sent' | 'failed';

export interface ChatEntry {
  readonly key: string;
  readonly id: string;
  readonly sender: string;
  readonly senderName: string;
  readonly senderSeq: number;
  readonly text: string;
  /** The server's time once the server has it; until then the time it was sent or received here. */
  readonly timestamp: number;
  /** The server's running number; null while only a direct (P2P) or local copy exists. */
  readonly seq: number | null;
  readonly mine: boolean;
  /** Own lines: `sending` until the server's copy comes back. Others' lines are always `sent`. */
  readonly status: ChatEntryStatus;
  readonly error: ChatRejection | null;
}

/** Lines kept on the page; older ones drop off the top (history on the server is shorter anyway). */
export const MAX_TIMELINE_ENTRIES = 2000;

export function entryKey(sender: string, id: string): string {
  return `${sender}\u0000${id}`;
}

export class ChatTimeline {
  #entries: ChatEntry[] = [];
  readonly #byKey = new Map<string, ChatEntry>();

  get entries(): readonly ChatEntry[] {
    return this.#entries;
  }

  get(key: string): ChatEntry | undefined {
    return this.#byKey.get(key);
  }

  /**
   * Adds a line, or merges a copy into the line already there: the server's stamp (number, time,
   * text) wins over a direct copy, and the line does not move. Returns whether anything changed.
   */
  upsert(entry: ChatEntry): boolean {
    const existing = this.#byKey.get(entry.key);
    if (!existing) {
      this.#insert(entry);
      return true;
    }
    if (existing.seq !== null || entry.seq === null) return false;
    const { seq, timestamp, text, senderName } = entry;
    this.#replace(existing, { ...existing, seq, timestamp, text, senderName, status: 'sent', error: null });
    return true;
  }

  /** Merges the server's copy of a message (relay, notification, history, answer to sendChat). */
  upsertStamped(message: ChatMessage & { kind: 'chat' }, selfId: string): boolean {
    return this.upsert({
      key: entryKey(message.sender, message.id),
      id: message.id,
      sender: message.sender,
      senderName: message.senderName,
      senderSeq: message.senderSeq,
      text: message.text,
      timestamp: message.timestamp,
      seq: message.seq,
      mine: message.sender === selfId,
      status: 'sent',
      error: null,
    });
  }

  /** Changes the delivery state of an own line (failed, or sending again). */
  setStatus(key: string, status: ChatEntryStatus, error: ChatRejection | null = null): boolean {
    const existing = this.#byKey.get(key);
    if (!existing || existing.status === 'sent') return false;
    this.#replace(existing, { ...existing, status, error });
    return true;
  }

  #insert(entry: ChatEntry): void {
    const list = [...this.#entries];
    // By the server's number: before the first line with a higher one (new lines usually go last).
    let at = list.length;
    if (entry.seq !== null) {
      while (at > 0) {
        const seq = list[at - 1]!.seq;
        if (seq === null || seq < entry.seq) break;
        at--;
      }
    }
    // Never against the sender's own order: after its earlier lines, before its later ones.
    let low = 0;
    let high = list.length;
    for (let i = 0; i < list.length; i++) {
      const other = list[i]!;
      if (other.sender !== entry.sender) continue;
      if (other.senderSeq < entry.senderSeq) low = i + 1;
      else if (high === list.length) high = i;
    }
    at = Math.min(Math.max(at, low), Math.max(low, high));
    list.splice(at, 0, entry);
    this.#byKey.set(entry.key, entry);
    if (list.length > MAX_TIMELINE_ENTRIES) {
      const dropped = list.splice(0, list.length - MAX_TIMELINE_ENTRIES);
      // The keys stay known: a late copy of a dropped line must not bring it back.
      for (const old of dropped) this.#byKey.set(old.key, old);
    }
    this.#entries = list;
  }

  #replace(existing: ChatEntry, updated: ChatEntry): void {
    const index = this.#entries.indexOf(existing);
    this.#byKey.set(updated.key, updated);
    if (index < 0) return;
    const next = [...this.#entries];
    next[index] = updated;
    this.#entries = next;
  }
}
