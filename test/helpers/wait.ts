/**
 * Condition waits for tests that watch something asynchronous (a socket, a worker, a browser page).
 * Tests wait with this, never with fixed sleeps.
 */

export interface WaitOptions {
  /** Milliseconds; default 15 000. */
  timeout?: number;
  /** Milliseconds between checks; default 100. */
  interval?: number;
  /** What was expected, in words; the error says it with the time waited and the last observation. */
  message: string;
}

/**
 * Polls `condition` until it returns a truthy value, and returns that value. The condition may be
 * async; a throw counts as "not yet", so a condition can throw to say *why* it is not met yet. On
 * timeout the Error names what was awaited and the last thing seen, so a failure explains itself.
 * End-to-end tests wait with this, never with fixed sleeps.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 15_000;
  const interval = options.interval ?? 100;
  const deadline = Date.now() + timeout;
  let last: string | undefined;
  for (;;) {
    try {
      // A check that hangs (e.g. an evaluate in a stuck page) must not outlive the deadline.
      const value = await withDeadline(condition(), deadline);
      if (value) return value as NonNullable<T>;
      last = `last value: ${describe(value)}`;
    } catch (error) {
      // A check cut short by the deadline says nothing new: keep what the previous one saw.
      if (!(error instanceof StillRunning)) last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for: ${options.message} (${last ?? 'no check ever finished'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** The deadline passed while a check was still running. */
class StillRunning extends Error {}

async function withDeadline<T>(value: T | Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StillRunning()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([value, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
