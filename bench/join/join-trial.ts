/**
 * One timed join: a fresh page (its own browser context, like a new person) opens the room link,
 * waits on the pre-join screen until the camera preview plays, clicks Join, and waits for the first
 * frame of every person already in the room (and, when asked, for P2P). Then it reads the page's
 * marks (page-marks.ts) and turns them into one timeline, in ms after the click, and leaves.
 */
import type { Page } from 'playwright-core';
import type { TestBrowser } from '../../test/helpers/browser.js';
import { clickJoin, frameTimesOf, openRoom } from '../../test/helpers/media-path.js';
import { waitFor } from '../../test/helpers/wait.js';
import { machineBusyWindow } from '../lib/proc.js';
import { installPageMarks, type PageMarks } from './page-marks.js';

const TIMEOUT = 60_000;

/** Milestones in ms after the Join click; undefined when it did not happen. */
export interface JoinTimeline {
  /** Local devices settled and the signaling socket opened. */
  socketOpen?: number;
  /** The `join` request answered (the room, the router's capabilities). */
  joined?: number;
  /** Device loaded, both transports created, capabilities declared (`setCapabilities` answered). */
  transportsReady?: number;
  /** The first `newConsumer` for a video arrived from the server... */
  firstVideoConsumer?: number;
  /** ...and was answered (consumer set up in the browser; the server resumes it then). */
  consumed?: number;
  /** The receive transport's ICE connected, then its DTLS too (connectionState `connected`). */
  receiveIceConnected?: number;
  receiveConnected?: number;
  /** The first remote video frame put on screen (frame clock), and the last person's first frame. */
  firstFrame: number;
  allFirstFrames: number;
  /** The page reported P2P (only when waited for). */
  p2p?: number;
  /** Time spent in getUserMedia after the click (the app re-acquires devices the preview released). */
  getUserMediaMs: number;
  /** How busy the machine's cores were from just before the click to the first frames (0-1). */
  machineBusy: number;
}

export async function openMarkedPage(browser: TestBrowser, label: string): Promise<Page> {
  const page = await browser.newPage(label);
  await page.context().addInitScript(installPageMarks);
  return page;
}

export async function timedJoin(
  browser: TestBrowser,
  options: { baseUrl: string; roomId: string; name: string; others: string[]; waitForP2P: boolean; settleMs: number },
): Promise<JoinTimeline> {
  const page = await openMarkedPage(browser, options.name);
  try {
    await openRoom(page, options.baseUrl, options.roomId, options.name, TIMEOUT);
    // The page has just loaded (its scripts, the camera preview): let it settle as a person would read it.
    await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    const busy = machineBusyWindow();
    await clickJoin(page, options.name, TIMEOUT);
    const marks = await waitFor(
      async () => {
        const m = await page.evaluate(() => (globalThis as unknown as { __joinMarks: PageMarks }).__joinMarks);
        if (m.click === undefined) throw new Error('no click recorded');
        if (options.waitForP2P && m.p2pAt === undefined) throw new Error('not on P2P yet');
        const firsts = await Promise.all(options.others.map(async (peerId) => (await frameTimesOf(page, peerId, m.click))[0]));
        if (firsts.some((at) => at === undefined)) throw new Error(`first frames so far: ${JSON.stringify(firsts)}`);
        // Read the marks again, now that the frames are in: the copy above may predate the milestones
        // that led to them (the consumer's answer, ICE), which happened between the two reads.
        const settled = await page.evaluate(() => (globalThis as unknown as { __joinMarks: PageMarks }).__joinMarks);
        return { marks: settled, firsts: firsts as number[] };
      },
      { timeout: TIMEOUT, interval: 50, message: `${options.name}: first frames${options.waitForP2P ? ' and P2P' : ''}` },
    );
    const machineBusy = busy.stop();
    await leave(page);
    return { ...timeline(marks.marks, marks.firsts), machineBusy };
  } finally {
    await page.context().close().catch(() => undefined);
  }
}

/** Leaves on purpose (Leave button), so the server drops the peer now instead of after the resume grace. */
async function leave(page: Page): Promise<void> {
  await page.getByTestId('leave-button').click({ timeout: TIMEOUT });
  await waitFor(() => page.getByTestId('left-screen').isVisible(), { timeout: TIMEOUT, message: 'left' });
}

function timeline(marks: PageMarks, firsts: number[]): Omit<JoinTimeline, 'machineBusy'> {
  const click = marks.click!;
  const since = (at: number | undefined) => (at === undefined ? undefined : at - click);
  const answered = (method: string) => since(marks.requests.find((r) => r.method === method)?.answeredAt);
  const video = marks.serverRequests.find((r) => r.method === 'newConsumer' && r.kind === 'video');
  // The SFU receive transport is the first connection that got a track (P2P's comes later).
  const receive = marks.peerConnections.find((pc) => pc.firstTrackAt !== undefined);
  const gum = marks.getUserMedia.filter((g) => g.startedAt >= click && g.endedAt !== undefined);
  return {
    socketOpen: since(marks.wsOpen),
    joined: answered('join'),
    transportsReady: answered('setCapabilities'),
    firstVideoConsumer: since(video?.receivedAt),
    consumed: since(video?.answeredAt),
    receiveIceConnected: since(receive?.iceConnectedAt),
    receiveConnected: since(receive?.connectedAt),
    firstFrame: Math.min(...firsts) - click,
    allFirstFrames: Math.max(...firsts) - click,
    p2p: since(marks.p2pAt),
    getUserMediaMs: gum.reduce((sum, g) => sum + (g.endedAt! - g.startedAt), 0),
  };
}
