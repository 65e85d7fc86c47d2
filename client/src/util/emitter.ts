/**
 * A small typed event emitter. Events are declared as a map from name to argument tuple; a listener
 * that throws is logged and does not stop the other listeners.
 */
type Listener<Args extends unknown[]> = (...args: Args) => void;

export class Emitter<Events extends { [E in keyof Events]: unknown[] }> {
  // Stored untyped per event; `on` and `emit` are the typed doors in and out.
  readonly #listeners = new Map<keyof Events, Set<unknown>>();

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    let listeners = this.#listeners.get(event);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(event, listeners);
    }
    const stored = listeners;
    stored.add(listener);
    return () => stored.delete(listener);
  }

  emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<Events[E]>)(...args);
      } catch (error) {
        console.error(`listener of ${String(event)} failed`, error);
      }
    }
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
