/**
 * Steps of a call that every browser goes through the same way, over `CallPage`: join a room through
 * the real UI, then prove media flows by WebRTC stats (frames decoded, audio received and played).
 */
import { isVisible, peerIdOf, statsOf, textOf, type CallPage } from './call-page.js';
import type { ClientStats } from './client-hooks.js';
import { waitFor } from './wait.js';

/** Which way media goes: `window.__shouwang.stats()` tags every inbound entry with it. */
export type MediaPath = 'sfu' | 'p2p';

export interface Participant {
  name: string;
  page: CallPage;
  peerId: string;
}

export interface JoinOptions {
  /** Milliseconds; default 45 000 (Firefox's first start on a busy 2-core machine is slow). */
  timeout?: number;
  /** Turns the camera off on the pre-join screen: joins with microphone only (cheaper on a small machine). */
  cameraOff?: boolean;
}

/** Opens the room link with `?name=`, waits for the camera preview, clicks Join, waits for the peer id. */
export async function joinRoom(page: CallPage, serverUrl: string, room: string, name: string, options: JoinOptions = {}): Promise<Participant> {
  const timeout = options.timeout ?? 45_000;
  await page.goto(`${serverUrl}/r/${room}?name=${encodeURIComponent(name)}`);
  await waitFor(() => isVisible(page, 'preview-video'), { timeout, message: `${page.label}: the camera preview on the pre-join screen` });
  if (options.cameraOff) {
    await page.click('prejoin-toggle-camera');
    await waitFor(async () => !(await isVisible(page, 'preview-video')), { timeout, message: `${page.label}: the camera to turn off` });
  }
  await page.click('join-button');
  const peerId = await waitFor(
    async () => {
      if (await isVisible(page, 'error-message')) throw new Error(`the page shows an error: ${await textOf(page, 'error-message')}`);
      return peerIdOf(page);
    },
    { timeout, message: `${page.label}: to join room ${room} (window.__shouwang.peerId)` },
  );
  return { name, page, peerId };
}

/**
 * Counters that must rise while media flows from `from` to `to`: video frames decoded, audio bytes
 * received and audio samples (counted only for a track that plays in an element).
 */
function mediaCounters(stats: ClientStats, from: Participant, to: Participant, path: MediaPath | undefined): Record<string, number> {
  const inbound = (stats.inbound as Array<ClientStats['inbound'][number] & { path?: MediaPath }>).filter(
    (s) => s.peerId === from.peerId && (path === undefined || s.path === path),
  );
  const video = inbound.filter((s) => s.kind === 'video');
  const audio = inbound.filter((s) => s.kind === 'audio');
  const sum = (values: (number | undefined)[]) => values.reduce<number>((total, v) => total + (v ?? 0), 0);
  const where = `${to.page.label} <- ${from.page.label}${path ? ` (${path})` : ''}`;
  if (video.length === 0) throw new Error(`${where}: no inbound video in stats()`);
  if (audio.length === 0) throw new Error(`${where}: no inbound audio in stats()`);
  return {
    [`${where} video framesDecoded`]: sum(video.map((s) => s.framesDecoded)),
    [`${where} audio bytesReceived`]: sum(audio.map((s) => s.bytesReceived)),
    [`${where} audio totalSamplesReceived`]: sum(audio.map((s) => s.totalSamplesReceived)),
  };
}

async function countersOf(pairs: Array<[from: Participant, to: Participant]>, path: MediaPath | undefined): Promise<Record<string, number>> {
  const all: Record<string, number> = {};
  for (const [from, to] of pairs) Object.assign(all, mediaCounters(await statsOf(to.page), from, to, path));
  return all;
}

/** Every ordered pair of different participants: who must receive whom. */
export function everyPair(people: Participant[]): Array<[from: Participant, to: Participant]> {
  return people.flatMap((to) => people.filter((from) => from !== to).map((from) => [from, to] as [Participant, Participant]));
}

/**
 * Waits until every counter is above zero, then until every one has risen past that first sample
 * (media that arrived once and froze fails). Returns the last counters, for the test's log.
 */
export interface FlowOptions {
  /** Count only media on this path (`p2p`: browser to browser; `sfu`: through the server). Default: both. */
  path?: MediaPath;
  /** Milliseconds for each of the two waits; default 45 000. */
  timeout?: number;
}

export async function expectMediaFlowing(
  pairs: Array<[from: Participant, to: Participant]>,
  what: string,
  { path, timeout = 45_000 }: FlowOptions = {},
): Promise<Record<string, number>> {
  const first = await waitFor(
    async () => {
      const counters = await countersOf(pairs, path);
      const zero = Object.keys(counters).filter((key) => !(counters[key]! > 0));
      if (zero.length > 0) throw new Error(`still zero: ${zero.join('; ')}`);
      return counters;
    },
    { timeout, message: `${what}: media to arrive (every counter > 0)` },
  );
  return waitFor(
    async () => {
      const counters = await countersOf(pairs, path);
      const stuck = Object.keys(first).filter((key) => !(counters[key]! > first[key]!));
      if (stuck.length > 0) throw new Error(`not rising: ${stuck.map((key) => `${key} = ${counters[key]}`).join('; ')}`);
      return counters;
    },
    { timeout, message: `${what}: media to keep flowing (every counter rising)` },
  );
}
