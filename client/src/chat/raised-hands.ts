/**
 * Whose hand is up, from events that can arrive twice (over P2P and through the server) and out of
 * order (a switch of paths), and from snapshots. A sender's own counter (`senderSeq`) orders its
 * events; the server's number (`seq`) orders them against a snapshot.
 */

interface HandRecord {
  raised: boolean;
  /** The sender's counter of the event that set it (0: known only from a snapshot). */
  senderSeq: number;
  /** The server's number of that event, or of the snapshot; null for a direct copy only. */
  seq: number | null;
}

export class RaisedHands {
  readonly #records = new Map<string, HandRecord>();

  /** The peers whose hand is up. */
  raised(): Set<string> {
    return new Set([...this.#records].filter(([, record]) => record.raised).map(([peerId]) => peerId));
  }

  /** Applies one event; returns whether the peer's hand changed. Older news than what is known is ignored. */
  apply(peerId: string, raised: boolean, senderSeq: number, seq: number | null): boolean {
    const record = this.#records.get(peerId);
    if (record) {
      if (seq !== null && record.seq !== null && seq <= record.seq) return false;
      if (senderSeq <= record.senderSeq) {
        // The same event by a second path: it only brings the server's number.
        if (seq !== null) record.seq = seq;
        return false;
      }
    }
    this.#records.set(peerId, { raised, senderSeq, seq });
    return record?.raised !== raised;
  }

  /**
   * The server refused own event `senderSeq`: if it is still the latest, the hand is back where it
   * was for everyone else. Returns whether it changed.
   */
  revert(peerId: string, senderSeq: number): boolean {
    const record = this.#records.get(peerId);
    if (!record || record.senderSeq !== senderSeq) return false;
    record.raised = !record.raised;
    return true;
  }

  /**
   * The server's view at `latestSeq`. Records newer than that (a later server copy, or a direct copy
   * the server has yet to stamp) are kept. Returns whether any hand changed.
   */
  applySnapshot(raised: ReadonlySet<string>, latestSeq: number): boolean {
    let changed = false;
    for (const peerId of new Set([...raised, ...this.#records.keys()])) {
      const record = this.#records.get(peerId);
      if (record && (record.seq === null || record.seq > latestSeq)) continue;
      const up = raised.has(peerId);
      if ((record?.raised ?? false) !== up) changed = true;
      this.#records.set(peerId, { raised: up, senderSeq: record?.senderSeq ?? 0, seq: latestSeq });
    }
    return changed;
  }

  /** The peer left. Returns whether its hand was up. */
  forget(peerId: string): boolean {
    const wasUp = this.#records.get(peerId)?.raised ?? false;
    this.#records.delete(peerId);
    return wasUp;
  }
}
