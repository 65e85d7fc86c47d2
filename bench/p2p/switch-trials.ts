/**
 * The P2P switch measurement, in headless Chromium against a real server: a pair (Alice, Bob) runs
 * P2P; a third page (Carol) joins (P2P -> SFU) and leaves (SFU -> P2P after the switch-back delay),
 * `switches` times. Across each switch, the longest interval between two frames that each tile of the
 * pair put on screen (the freeze a person would see); and the same measure over a window of the same
 * length with no switch, taken right before, as the baseline the machine gives.
 *
 * The third person is either a Chromium page on this machine (`third: 'page'`: its start-up competes
 * with the pair's encoders and decoders for the same 2 cores) or a person whose browser runs elsewhere
 * (`'remote'`: the app's SignalClient with mediasoup-client's FakeHandler — it joins, sends its mic and
 * camera producers and consumes, so the server does everything a real third person makes it do, but
 * no browser starts here and its tracks carry no media). The pair's switch is the same either way.
 */
import type { Page } from 'playwright-core';
import type { TestBrowser } from '../../test/helpers/browser.js';
import { FakePeer } from '../../test/helpers/fake-peer.js';
import { joinRoom, p2pInfoOf, pageNow, waitForMode, type Person } from '../../test/helpers/media-path.js';
import { startServer } from '../../test/helpers/server.js';
import { waitFor } from '../../test/helpers/wait.js';
import { longestGapBetween, type FrameGap } from './frame-gaps.js';
import { formatTrace, installRtpTrace, profileMainThread, rtpTraceOf } from './rtp-trace.js';

/** SWITCH_TRACE=1: print both pages' RTP stats around every P2P -> SFU gap over 200 ms (a diagnostic). */
const TRACE = process.env.SWITCH_TRACE === '1';

/** After a switch completes, frames are collected this much longer (the old path's close happens then). */
export const SETTLE_MS = 2500;
const TIMEOUT = 60_000;

export interface SwitchSamples {
  /** Longest frame gap per tile per switch (2 samples per switch: Alice's tile of Bob and Bob's of Alice). */
  toSfu: number[];
  toP2P: number[];
  baseline: number[];
  /** Per toSfu / toP2P sample: the longest gap contains the tile's swap to the new path. */
  toSfuAtSwap: boolean[];
  toP2PAtSwap: boolean[];
  /** Per P2P -> SFU sample: where the longest gap started relative to the tile's swap (ms; negative: before, on the P2P path; NaN: no swap seen). */
  toSfuFromSwap: number[];
  /** How long each switch took end to end (trigger to the old path closed / the new one active). */
  durations: { toSfu: number[]; toP2P: number[] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type ThirdPerson = 'page' | 'remote';

/** Opens pages and keeps them, so a measurement can close all it opened before the next one starts. */
export function pageOpener(browser: TestBrowser): { open: (label: string) => Promise<Page>; pages: Page[] } {
  const pages: Page[] = [];
  const open = async (label: string): Promise<Page> => {
    const page = await browser.newPage(label);
    if (TRACE) await installRtpTrace(page);
    pages.push(page);
    return page;
  };
  return { open, pages };
}

/** The third person: joins (resolves once the server has them in the room), leaves. */
interface Third {
  join(): Promise<Person[]>;
  leave(): Promise<void>;
}

function thirdPage(page: Page, url: string, room: string): Third {
  return {
    join: async () => [await joinRoom(page, url, room, 'Carol', TIMEOUT)],
    leave: async () => {
      await page.getByTestId('leave-button').click({ timeout: TIMEOUT });
      await waitFor(() => page.getByTestId('left-screen').isVisible(), { timeout: TIMEOUT, message: 'Carol left' });
    },
  };
}

function thirdElsewhere(wsUrl: string, room: string): Third {
  let carol: FakePeer | null = null;
  return {
    join: async () => {
      carol = await FakePeer.join(wsUrl, room, 'Carol', { media: true, resume: false });
      await carol.produce('mic');
      await carol.produce('camera');
      return [];
    },
    leave: async () => {
      await carol?.leave();
      carol = null;
    },
  };
}

export async function runSwitchTrials(
  browser: TestBrowser,
  options: {
    switches: number;
    switchBackDelayMs: number;
    /** Serve another client build (to compare a client change on the same machine). */
    clientDir?: string;
    third?: ThirdPerson;
    log?: (message: string) => void;
  },
): Promise<SwitchSamples> {
  const server = await startServer({
    p2p: { enabled: true, switchBackDelayMs: options.switchBackDelayMs, connectTimeoutMs: 30_000, iceServerUrls: [], iceTransportPolicy: 'all' },
    ...(options.clientDir ? { clientDir: options.clientDir } : {}),
  });
  const room = 'switches';
  const samples: SwitchSamples = { toSfu: [], toP2P: [], baseline: [], toSfuAtSwap: [], toP2PAtSwap: [], toSfuFromSwap: [], durations: { toSfu: [], toP2P: [] } };
  const { open, pages } = pageOpener(browser);
  try {
    const alice = await joinRoom(await open('Alice'), server.url, room, 'Alice', TIMEOUT);
    const bob = await joinRoom(await open('Bob'), server.url, room, 'Bob', TIMEOUT);
    const pair = [alice, bob];
    const other = (person: Person) => (person === alice ? bob : alice);
    const marks = () => Promise.all(pair.map((person) => pageNow(person.page)));
    const timeOrigin = (person: Person) => person.page.evaluate(() => performance.timeOrigin);
    const traceGap = async (person: Person, gap: FrameGap) => {
      const origin = (await timeOrigin(person)) + gap.start;
      const lines: string[] = [`gap ${Math.round(gap.ms)} ms on ${person === alice ? 'Alice' : 'Bob'}'s tile, starting ${Math.round(gap.fromSwapMs ?? Number.NaN)} ms from its swap (negative: before), at ${Math.round(gap.start)} on that page`];
      for (const p of pair) {
        const shift = origin - (await timeOrigin(p));
        lines.push(...formatTrace(p === alice ? 'A' : 'B', await rtpTraceOf(p.page, shift - 700, shift + gap.ms + 300), shift));
      }
      options.log?.(lines.join('\n'));
    };
    const collect = async (into: number[], from: number[], atSwap?: boolean[], fromSwap?: number[]) => {
      for (const [index, person] of pair.entries()) {
        const gap = await longestGapBetween(person, other(person), from[index]!, await pageNow(person.page));
        if (TRACE && fromSwap && gap.ms > 200) await traceGap(person, gap);
        into.push(gap.ms);
        atSwap?.push(gap.atSwap);
        fromSwap?.push(gap.fromSwapMs ?? Number.NaN);
      }
    };
    await waitForMode(pair, 'p2p', TIMEOUT);
    await sleep(SETTLE_MS);
    const third = options.third === 'remote' ? thirdElsewhere(server.wsUrl, room) : thirdPage(await open('Carol'), server.url, room);

    for (let round = 0; round < options.switches; round++) {
      const quietFrom = await marks();
      await sleep(SETTLE_MS + 1000);
      await collect(samples.baseline, quietFrom);

      // P2P -> SFU: Carol joins; done once both P2P connections are closed.
      let from = await marks();
      let started = Date.now();
      const profiles = TRACE ? await Promise.all(pair.map((p) => profileMainThread(p.page))) : [];
      const carol = await third.join();
      await waitForMode([...pair, ...carol], 'sfu', TIMEOUT);
      await waitFor(async () => (await Promise.all(pair.map((p) => p2pInfoOf(p.page)))).every((info) => info === null), {
        timeout: TIMEOUT,
        message: 'P2P connections closed',
      });
      samples.durations.toSfu.push(Date.now() - started);
      await sleep(SETTLE_MS);
      for (const [index, stop] of profiles.entries()) options.log?.(`${index ? 'Bob' : 'Alice'} P2P -> SFU main thread ${(await stop()).join('\n')}`);
      await collect(samples.toSfu, from, samples.toSfuAtSwap, samples.toSfuFromSwap);

      // SFU -> P2P: Carol leaves; the pair goes P2P after the switch-back delay.
      await third.leave();
      from = await marks();
      started = Date.now();
      await waitForMode(pair, 'p2p', TIMEOUT);
      samples.durations.toP2P.push(Date.now() - started);
      await sleep(SETTLE_MS);
      await collect(samples.toP2P, from, samples.toP2PAtSwap);
      options.log?.(
        `${options.third ?? 'page'} round ${round + 1}: gaps to SFU ${samples.toSfu.slice(-2).map(Math.round).join('/')} ms, to P2P ` +
          `${samples.toP2P.slice(-2).map(Math.round).join('/')} ms, baseline ${samples.baseline.slice(-2).map(Math.round).join('/')} ms`,
      );
    }
    return samples;
  } finally {
    // Pages left open would go on capturing, encoding and reconnecting through the next measurement.
    await Promise.all(pages.map((page) => page.context().close().catch(() => undefined)));
    await server.close();
  }
}
