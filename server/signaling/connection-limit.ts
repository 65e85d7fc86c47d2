/**
 * Open signaling sockets per client address. Each socket costs memory and a heartbeat timer, and each
 * joined one a peer with media; without a cap, one machine could open thousands.
 */
export class ConnectionLimit {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Counts a new socket from `address`; false (and nothing counted) when the address is at the cap. */
  tryOpen(address: string): boolean {
    const open = this.#open.get(address) ?? 0;
    if (open >= this.#max) return false;
    this.#open.set(address, open + 1);
    return true;
  }

  /** A socket counted by `tryOpen` closed. */
  release(address: string): void {
    const open = (this.#open.get(address) ?? 1) - 1;
    if (open > 0) this.#open.set(address, open);
    else this.#open.delete(address);
  }

  openFrom(address: string): number {
    return this.#open.get(address) ?? 0;
  }
}
