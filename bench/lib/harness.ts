/**
 * What a standalone benchmark script needs around its measurement: cleanup that runs however the
 * script ends (done, error, Ctrl-C), progress lines on stderr, and the `t`-like object the test
 * helpers (launchBrowser) expect for their teardown and comments.
 */
import type { Test } from 'tap';

type Cleanup = () => unknown;

export interface BenchHarness {
  /** Runs at the end, newest first (like tap's teardown). */
  teardown(cleanup: Cleanup): void;
  /** A progress line on stderr (stdout stays free for the runner). */
  log(message: string): void;
  /** For helpers typed against tap's Test: only `teardown` and `comment` are ever called. */
  readonly asTest: Test;
  /** Runs every cleanup once; safe to call twice. */
  close(): Promise<void>;
}

export function benchHarness(name: string): BenchHarness {
  const cleanups: Cleanup[] = [];
  let closing: Promise<void> | undefined;
  const log = (message: string): void => void process.stderr.write(`[${name}] ${message}\n`);
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          log(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: cleaning up`);
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const teardown = (cleanup: Cleanup): void => void cleanups.push(cleanup);
  const asTest = { teardown, comment: (...parts: unknown[]) => log(parts.map(String).join(' ')) } as unknown as Test;
  return { teardown, log, asTest, close };
}

/**
 * Runs `main` with a harness, always cleans up, and exits non-zero on failure (so `npm run bench`
 * reports a broken benchmark instead of a stale result).
 */
export async function runBenchmark(name: string, main: (harness: BenchHarness) => Promise<void>): Promise<void> {
  const harness = benchHarness(name);
  try {
    await main(harness);
  } catch (error) {
    harness.log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  } finally {
    await harness.close();
  }
}
