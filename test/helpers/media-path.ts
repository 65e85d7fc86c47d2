/**
 * For tests and benchmarks of the P2P switch: joining pages into a room, reading which path media
 * takes (`window.__shouwang.mode`, `p2pInfo()`), the frames each remote tile put on screen, and what
 * the server's transports still carry.
 */
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import type { ClientStats } from './client-hooks.js';
import { waitFor } from './wait.js';

export type MediaMode = 'sfu' | 'p2p-connecting' | 'p2p' | 'p2p-stopping';

export interface CandidateInfo {
  address: string;
  port: number;
  candidateType: string;
  protocol: string;
}

export interface P2PInfo {
  sessionId: string;
  peerId: string;
  role: string;
  connectionState: string;
  iceConnectionState: string;
  selectedPair: { local: CandidateInfo; remote: CandidateInfo } | null;
}

interface PathHooks {
  peerId: string | null;
  mode: MediaMode;
  mediaPath: { mode: MediaMode; lastEnd: { reason: string; detail?: string } | null; history: { at: number; event: string; detail?: string }[] } | null;
  p2pInfo(): Promise<P2PInfo | null>;
  frameTimes(peerId: string, source?: string, since?: number): number[];
  swapTimes(peerId: string, source?: string, since?: number): number[];
  now(): number;
  stats(): Promise<ClientStats>;
}

type HookedGlobal = { __shouwang?: PathHooks };

export interface Person {
  name: string;
  page: Page;
  peerId: string;
}

/** Opens the room link with the name in it and joins through the pre-join screen. */
export async function joinRoom(page: Page, baseUrl: string, roomId: string, name: string, timeout = 30_000): Promise<Person> {
  await openRoom(page, baseUrl, roomId, name, timeout);
  return clickJoin(page, name, timeout);
}

/** Opens the room link with the name in it and waits for the pre-join screen's camera preview. */
export async function openRoom(page: Page, baseUrl: string, roomId: string, name: string, timeout = 30_000): Promise<void> {
  await page.goto(`${baseUrl}/r/${roomId}?name=${encodeURIComponent(name)}`);
  await waitFor(() => page.getByTestId('preview-video').isVisible(), { timeout, message: `${name}: the camera preview` });
}

/** Clicks Join on the pre-join screen and waits until the page is in the room. */
export async function clickJoin(page: Page, name: string, timeout = 30_000): Promise<Person> {
  await page.getByTestId('join-button').click({ timeout });
  const peerId = await waitFor(
    async () => {
      const error = page.getByTestId('error-message');
      if (await error.isVisible()) throw new Error(`the page shows an error: ${await error.textContent()}`);
      return page.evaluate(() => (globalThis as HookedGlobal).__shouwang?.peerId ?? null);
    },
    { timeout, message: `${name}: to join (window.__shouwang.peerId)` },
  );
  return { name, page, peerId };
}

export function modeOf(page: Page): Promise<MediaMode> {
  return page.evaluate(() => (globalThis as HookedGlobal).__shouwang?.mode ?? 'sfu');
}

export function mediaPathOf(page: Page): Promise<PathHooks['mediaPath']> {
  return page.evaluate(() => (globalThis as HookedGlobal).__shouwang?.mediaPath ?? null);
}

export function p2pInfoOf(page: Page): Promise<P2PInfo | null> {
  return page.evaluate(() => (globalThis as HookedGlobal).__shouwang?.p2pInfo() ?? null);
}

/** The page's performance.now(): frame times are in that clock. */
export function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as HookedGlobal).__shouwang?.now() ?? performance.now());
}

export function frameTimesOf(page: Page, peerId: string, since = 0): Promise<number[]> {
  return page.evaluate(([id, from]) => (globalThis as HookedGlobal).__shouwang?.frameTimes(id, 'camera', from) ?? [], [peerId, since] as const);
}

export function pathStatsOf(page: Page): Promise<Awaited<ReturnType<PathHooks['stats']>>> {
  return page.evaluate(() => {
    const hooks = (globalThis as HookedGlobal).__shouwang;
    if (!hooks) throw new Error('window.__shouwang is not set');
    return hooks.stats();
  });
}

export function swapTimesOf(page: Page, peerId: string, since = 0): Promise<number[]> {
  return page.evaluate(([id, from]) => (globalThis as HookedGlobal).__shouwang?.swapTimes(id, 'camera', from) ?? [], [peerId, since] as const);
}

/** Waits until every page reports `mode`. */
export async function waitForMode(people: Person[], mode: MediaMode, timeout = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const paths = await Promise.all(people.map((person) => mediaPathOf(person.page)));
      const wrong = people.flatMap((person, index) => {
        const path = paths[index];
        if (path?.mode === mode) return [];
        const end = path?.lastEnd ? `, last end: ${path.lastEnd.reason}${path.lastEnd.detail ? ` (${path.lastEnd.detail})` : ''}` : '';
        const start = path?.history[0]?.at ?? 0;
        const events = (path?.history ?? []).map((entry) => `+${entry.at - start}ms ${entry.event}${entry.detail ? ` ${entry.detail}` : ''}`);
        return [`${person.name}: ${path?.mode ?? 'not joined'}${end}; events: ${events.join(', ') || 'none'}`];
      });
      if (wrong.length > 0) throw new Error(wrong.join(' | '));
      return true;
    },
    { timeout, message: `${people.map((p) => p.name).join(' and ')} in mode ${mode}` },
  );
}

/** The longest interval between consecutive frames in `times` (ms); Infinity with fewer than two. */
export function longestGap(times: number[]): number {
  let longest = times.length < 2 ? Number.POSITIVE_INFINITY : 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}

/** Sum of the RTP bytes the server received on all of a room's transports (what clients sent it). */
export async function serverRtpBytesReceived(app: FastifyInstance, roomId: string): Promise<number> {
  const room = app.rooms.rooms.get(roomId);
  if (!room) return 0;
  let total = 0;
  for (const peer of room.peers.values()) {
    for (const transport of peer.transports.values()) {
      for (const stat of await transport.getStats()) total += stat.rtpBytesReceived ?? 0;
    }
  }
  return total;
}

/** Every producer of the room (source and paused) as the server has it. */
export function serverProducers(app: FastifyInstance, roomId: string): Array<{ peerId: string; source: string; paused: boolean }> {
  const room = app.rooms.rooms.get(roomId);
  if (!room) return [];
  return [...room.peers.values()].flatMap((peer) =>
    [...peer.producers.values()].map((producer) => ({ peerId: peer.id, source: producer.appData.source, paused: producer.paused })),
  );
}
