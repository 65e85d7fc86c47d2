/**
 * What the Shouwang client exposes to tests, read from a Playwright page: `window.__shouwang` (peer id,
 * WebRTC stats per remote peer) and the `data-testid` hooks of the UI.
 */
import type { Page } from 'playwright-core';

export interface InboundStat {
  peerId: string;
  consumerId: string;
  kind: 'audio' | 'video';
  source?: 'mic' | 'camera' | 'screen' | 'screen-audio';
  /** Which path the numbers are from (`sfu` or `p2p`), and whether the UI plays that path's track. */
  path?: 'sfu' | 'p2p';
  shown?: boolean;
  bytesReceived: number;
  packetsReceived: number;
  framesDecoded?: number;
  frameWidth?: number;
  frameHeight?: number;
  totalSamplesReceived?: number;
}

export interface OutboundStat {
  kind: 'audio' | 'video';
  rid?: string;
  bytesSent: number;
  framesEncoded?: number;
}

export interface ClientStats {
  inbound: InboundStat[];
  outbound: OutboundStat[];
}

/** `window.__shouwang`, set by the client once it has joined a room. */
export interface ClientHooks {
  peerId: string;
  remotePeerIds(): string[];
  stats(): Promise<ClientStats>;
  activeSpeakerId: string | null;
  screenTrack(): MediaStreamTrack | null;
}

type HookedGlobal = { __shouwang?: ClientHooks };

/** This page's peer id, or undefined while it has not joined. */
export function peerIdOf(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (globalThis as HookedGlobal).__shouwang?.peerId);
}

/** The dominant speaker as the page knows it. */
export function activeSpeakerOf(page: Page): Promise<string | null> {
  return page.evaluate(() => (globalThis as HookedGlobal).__shouwang?.activeSpeakerId ?? null);
}

export function statsOf(page: Page): Promise<ClientStats> {
  return page.evaluate(() => {
    const hooks = (globalThis as HookedGlobal).__shouwang;
    if (!hooks) throw new Error('window.__shouwang is not set (the page has not joined a room)');
    return hooks.stats();
  });
}

/** The `data-peer-id` of every tile shown, split into the local one(s) and the remote ones. */
export async function tilesOf(page: Page): Promise<{ local: string[]; remote: string[] }> {
  const tiles = await page
    .getByTestId('tile')
    .evaluateAll((elements) => elements.map((e) => [e.getAttribute('data-local'), e.getAttribute('data-peer-id') ?? '']));
  return {
    local: tiles.filter(([local]) => local === 'true').map(([, id]) => id as string),
    remote: tiles.filter(([local]) => local === 'false').map(([, id]) => id as string),
  };
}
