/**
 * Benchmark of the P2P switch, in headless Chromium against a real server:
 * - switch gap: the longest interval between two frames a remote tile put on screen, across each
 *   switch, 10 switches each way (a third person joins: P2P -> SFU; leaves: SFU -> P2P, after the
 *   switch-back delay), measured on both tiles of the pair; and the same measure over windows of the
 *   same length with no switch, as the baseline the machine gives;
 * - join-to-first-frame: from clicking Join to the first frame of the other person on screen, with P2P
 *   off (SFU only) and on (the first frames come through the SFU, which is verified first), and from
 *   clicking Join until the pair runs P2P.
 *
 * Run: `npx tap --timeout=3600 --allow-incomplete-coverage bench/p2p-switch.ts` (tap only runs it, for
 * the TypeScript loader and the helpers' teardown). Writes bench/results/p2p-switch.json and prints a
 * Markdown table. Numbers depend on the machine's load: the table says what the load was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../test/helpers/browser.js';
import { clickJoin, frameTimesOf, joinRoom, longestGap, modeOf, openRoom, pageNow, waitForMode, type Person } from '../test/helpers/media-path.js';
import { startServer } from '../test/helpers/server.js';
import { waitFor } from '../test/helpers/wait.js';

const SWITCHES = Number(process.env.SWITCHES ?? 10);
const JOIN_TRIALS = Number(process.env.JOIN_TRIALS ?? 5);
const SWITCH_BACK_DELAY_MS = 1000;
/** After a switch completes, frames are collected this much longer (the old path's close happens then). */
const SETTLE_MS = 2500;
const TIMEOUT = 60_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const p2pConfig = (enabled: boolean) => ({
  enabled,
  switchBackDelayMs: SWITCH_BACK_DELAY_MS,
  connectTimeoutMs: 30_000,
  iceServerUrls: [],
  iceTransportPolicy: 'all' as const,
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Saved after every round too, so a run cut short by a busy machine still leaves its numbers. */
function writeResults(results: object): void {
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  fs.writeFileSync(path.join(here, 'results', 'p2p-switch.json'), JSON.stringify({ at: new Date().toISOString(), load, ...results }, null, 2));
}

/** Longest frame gap on `person`'s tile of `other` between two marks of the page clock. */
async function gapBetween(person: Person, other: Person, from: number, to: number): Promise<number> {
  const times = (await frameTimesOf(person.page, other.peerId, from)).filter((at) => at <= to);
  // The frame just before the window bounds the first gap; none means the tile showed nothing new.
  return longestGap([from, ...times, to]);
}

async function joinTimed(page: Page, baseUrl: string, roomId: string, name: string): Promise<{ person: Person; clickedAt: number }> {
  await openRoom(page, baseUrl, roomId, name, TIMEOUT);
  const clickedAt = await pageNow(page);
  return { person: await clickJoin(page, name, TIMEOUT), clickedAt };
}

async function firstFrameAfter(person: Person, other: Person, since: number): Promise<number> {
  const [first] = await waitFor(async () => {
    const times = await frameTimesOf(person.page, other.peerId, since);
    return times.length > 0 ? times : null;
  }, { timeout: TIMEOUT, message: `${person.name}: first frame of ${other.name}` });
  return first! - since;
}

/** Join-to-first-frame: Alice waits in the room, Bob clicks Join. */
async function joinTrials(browser: TestBrowser, p2p: boolean): Promise<{ firstFrame: number[]; toP2P: number[] }> {
  const server = await startServer({ p2p: p2pConfig(p2p) });
  const firstFrame: number[] = [];
  const toP2P: number[] = [];
  try {
    for (let trial = 0; trial < JOIN_TRIALS; trial++) {
      const room = `join-${p2p ? 'p2p' : 'sfu'}-${trial}`;
      const alicePage = await browser.newPage(`Alice ${trial}`);
      const bobPage = await browser.newPage(`Bob ${trial}`);
      const alice = await joinRoom(alicePage, server.url, room, 'Alice', TIMEOUT);
      // Joining right after the page loads also measures the page's own start; wait for it to settle.
      await sleep(1000);
      const { person: bob, clickedAt } = await joinTimed(bobPage, server.url, room, 'Bob');
      firstFrame.push(await firstFrameAfter(bob, alice, clickedAt));
      if (p2p) {
        await waitFor(async () => (await modeOf(bobPage)) === 'p2p', { timeout: TIMEOUT, message: 'Bob on P2P' });
        toP2P.push((await pageNow(bobPage)) - clickedAt);
      }
      await alicePage.context().close();
      await bobPage.context().close();
    }
  } finally {
    await server.close();
  }
  return { firstFrame, toP2P };
}

/** 10 switches each way with a third page joining and leaving, plus the no-switch baseline. */
async function switchTrials(browser: TestBrowser) {
  const server = await startServer({ p2p: p2pConfig(true) });
  const room = 'switches';
  const toSfu: number[] = [];
  const toP2P: number[] = [];
  const baseline: number[] = [];
  const switchDurations: { toSfu: number[]; toP2P: number[] } = { toSfu: [], toP2P: [] };
  try {
    const alice = await joinRoom(await browser.newPage('Alice'), server.url, room, 'Alice', TIMEOUT);
    const bob = await joinRoom(await browser.newPage('Bob'), server.url, room, 'Bob', TIMEOUT);
    const pair = [alice, bob];
    const other = (person: Person) => (person === alice ? bob : alice);
    await waitForMode(pair, 'p2p', TIMEOUT);
    await sleep(SETTLE_MS);
    const carolPage = await browser.newPage('Carol');

    for (let round = 0; round < SWITCHES; round++) {
      // Baseline: the same measure over a window with no switch.
      const quietFrom = await Promise.all(pair.map((person) => pageNow(person.page)));
      await sleep(SETTLE_MS + 1000);
      for (const [index, person] of pair.entries()) {
        baseline.push(await gapBetween(person, other(person), quietFrom[index]!, await pageNow(person.page)));
      }

      // P2P -> SFU: Carol joins.
      let from = await Promise.all(pair.map((person) => pageNow(person.page)));
      let started = Date.now();
      const carol = await joinRoom(carolPage, server.url, room, 'Carol', TIMEOUT);
      await waitForMode([...pair, carol], 'sfu', TIMEOUT);
      await waitFor(async () => (await Promise.all(pair.map((p) => p.page.evaluate(() => (globalThis as { __shouwang?: { p2pInfo(): Promise<unknown> } }).__shouwang?.p2pInfo())))).every((info) => info === null), {
        timeout: TIMEOUT,
        message: 'P2P connections closed',
      });
      switchDurations.toSfu.push(Date.now() - started);
      await sleep(SETTLE_MS);
      for (const [index, person] of pair.entries()) {
        toSfu.push(await gapBetween(person, other(person), from[index]!, await pageNow(person.page)));
      }

      // SFU -> P2P: Carol leaves (the pair goes P2P after the switch-back delay).
      await carolPage.getByTestId('leave-button').click({ timeout: TIMEOUT });
      await waitFor(() => carolPage.getByTestId('left-screen').isVisible(), { timeout: TIMEOUT, message: 'Carol left' });
      from = await Promise.all(pair.map((person) => pageNow(person.page)));
      started = Date.now();
      await waitForMode(pair, 'p2p', TIMEOUT);
      switchDurations.toP2P.push(Date.now() - started);
      await sleep(SETTLE_MS);
      for (const [index, person] of pair.entries()) {
        toP2P.push(await gapBetween(person, other(person), from[index]!, await pageNow(person.page)));
      }
      writeResults({ partial: true, rounds: round + 1, toSfu, toP2P, baseline, switchDurations });
      t.comment(`round ${round + 1}: gaps to SFU ${toSfu.slice(-2).map(Math.round).join('/')} ms, to P2P ${toP2P.slice(-2).map(Math.round).join('/')} ms, baseline ${baseline.slice(-2).map(Math.round).join('/')} ms`);
    }
  } finally {
    await server.close();
  }
  return { toSfu, toP2P, baseline, switchDurations };
}

t.test('P2P switch benchmark', async (t) => {
  const loadBefore = os.loadavg();
  const browser = await launchBrowser(t, { fakeMedia: 'file' });
  // Switches first: the headline numbers, if a busy machine cuts the run short.
  const switches = await switchTrials(browser);
  const sfuJoin = await joinTrials(browser, false);
  const p2pJoin = await joinTrials(browser, true);
  const loadAfter = os.loadavg();

  const row = (label: string, values: number[]) =>
    `| ${label} | ${values.length} | ${Math.round(percentile(values, 50))} | ${Math.round(Math.max(...values))} |`;
  const table = [
    `| measure (ms) | samples | p50 | max |`,
    `|---|---|---|---|`,
    row('switch gap P2P -> SFU (third joins)', switches.toSfu),
    row('switch gap SFU -> P2P (third leaves)', switches.toP2P),
    row('baseline gap, no switch (same window)', switches.baseline),
    row('join -> first frame, P2P off (SFU only)', sfuJoin.firstFrame),
    row('join -> first frame, P2P on (first frames via SFU)', p2pJoin.firstFrame),
    row('join -> pair running P2P', p2pJoin.toP2P),
    row('P2P -> SFU switch duration (join click to P2P closed)', switches.switchDurations.toSfu),
    row(`SFU -> P2P switch duration (leave to P2P, incl. ${SWITCH_BACK_DELAY_MS} ms delay)`, switches.switchDurations.toP2P),
  ].join('\n');
  const context = `${os.cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} after; Chromium ${browser.browser.version()}; fake camera 640x360 at 20 fps (one frame every 50 ms)`;
  t.comment(`\n${table}\n\n${context}`);
  writeResults({ context, sfuJoin, p2pJoin, switches });
  t.pass('benchmark ran');
});
