/**
 * The baseline for the P2P -> SFU switch gap with the same load and no switch: P2P off, a pair on the
 * SFU, a third page joins and leaves as in switch-trials.ts. The freeze on the pair's tiles then is
 * what a third browser starting up (capture, encoding, decoding) costs this machine by itself.
 */
import type { TestBrowser } from '../../test/helpers/browser.js';
import { joinRoom, pageNow, type Person } from '../../test/helpers/media-path.js';
import { startServer } from '../../test/helpers/server.js';
import { waitFor } from '../../test/helpers/wait.js';
import { longestGapBetween } from './frame-gaps.js';
import { SETTLE_MS, pageOpener } from './switch-trials.js';

const TIMEOUT = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runThirdJoinBaseline(
  browser: TestBrowser,
  options: { rounds: number; clientDir?: string; log?: (message: string) => void },
): Promise<number[]> {
  const server = await startServer({
    p2p: { enabled: false, switchBackDelayMs: 1000, connectTimeoutMs: 30_000, iceServerUrls: [], iceTransportPolicy: 'all' },
    ...(options.clientDir ? { clientDir: options.clientDir } : {}),
  });
  const gaps: number[] = [];
  const { open, pages } = pageOpener(browser);
  try {
    const room = 'third-join';
    const alice = await joinRoom(await open('Alice'), server.url, room, 'Alice', TIMEOUT);
    const bob = await joinRoom(await open('Bob'), server.url, room, 'Bob', TIMEOUT);
    const pair = [alice, bob];
    const other = (person: Person) => (person === alice ? bob : alice);
    await sleep(SETTLE_MS);
    const carolPage = await open('Carol');
    for (let round = 0; round < options.rounds; round++) {
      const from = await Promise.all(pair.map((person) => pageNow(person.page)));
      await joinRoom(carolPage, server.url, room, 'Carol', TIMEOUT);
      await sleep(SETTLE_MS);
      for (const [index, person] of pair.entries()) {
        gaps.push((await longestGapBetween(person, other(person), from[index]!, await pageNow(person.page))).ms);
      }
      await carolPage.getByTestId('leave-button').click({ timeout: TIMEOUT });
      await waitFor(() => carolPage.getByTestId('left-screen').isVisible(), { timeout: TIMEOUT, message: 'Carol left' });
      await sleep(1000);
      options.log?.(`third join without switch ${round + 1}: gaps ${gaps.slice(-2).map(Math.round).join('/')} ms`);
    }
    return gaps;
  } finally {
    // Pages left open would go on capturing, encoding and reconnecting through the next measurement.
    await Promise.all(pages.map((page) => page.context().close().catch(() => undefined)));
    await server.close();
  }
}
