/**
 * The headline scenario: three people join one room through the real UI in headless Chromium, see and
 * hear each other through the SFU, and one of them leaves. Asserted on WebRTC stats (frames decoded,
 * audio played), not on the DOM alone.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../server/config.js';
import { launchBrowser } from '../helpers/browser.js';
import { peerIdOf, statsOf, tilesOf } from '../helpers/client-hooks.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'group-call';
const JOIN_TIMEOUT = 30_000;
const MEDIA_TIMEOUT = 30_000;
const LEAVE_TIMEOUT = 15_000;

interface Person {
  name: string;
  page: Page;
  peerId: string;
}

// This is the SFU group call. With P2P on, whether the first two go peer-to-peer before the third
// arrives depends on join timing; that handover is p2p-switch.test.ts's subject, deterministically.
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const home = await fetch(`${server.url}/`);
if (home.status !== 200) {
  throw new Error(`GET / answered ${home.status}: the client is not built? (run \`bash scripts/setup.sh\`)`);
}
const browser = await launchBrowser(t, { fakeMedia: 'file' });

/** Alice comes in through the home page: types the room name, then her own name. */
async function joinFromHome(name: string): Promise<Person> {
  const page = await browser.newPage(name);
  await page.goto(`${server.url}/`);
  await page.getByTestId('room-name-input').fill(ROOM);
  await page.getByTestId('join-room-button').click();
  await waitFor(() => new URL(page.url()).pathname === `/r/${ROOM}`, {
    message: `${name}: the home page to open /r/${ROOM} (at ${page.url()})`,
  });
  await page.getByTestId('name-input').fill(name);
  return join(name, page);
}

/** Bob and Carol follow a shared link that carries their name. */
async function joinFromLink(name: string): Promise<Person> {
  const page = await browser.newPage(name);
  await page.goto(`${server.url}/r/${ROOM}?name=${encodeURIComponent(name)}`);
  await waitFor(async () => (await page.getByTestId('name-input').inputValue()) === name, {
    message: `${name}: the pre-join screen to show the name from the link`,
  });
  return join(name, page);
}

async function join(name: string, page: Page): Promise<Person> {
  await waitFor(() => page.getByTestId('preview-video').isVisible(), {
    timeout: JOIN_TIMEOUT,
    message: `${name}: the camera preview on the pre-join screen`,
  });
  await page.getByTestId('join-button').click();
  const peerId = await waitFor(
    async () => {
      const error = page.getByTestId('error-message');
      if (await error.isVisible()) throw new Error(`the page shows an error: ${await error.textContent()}`);
      return peerIdOf(page);
    },
    { timeout: JOIN_TIMEOUT, message: `${name}: to join the room (window.__shouwang.peerId)` },
  );
  return { name, page, peerId };
}

const alice = await joinFromHome('Alice');
const [bob, carol] = await Promise.all([joinFromLink('Bob'), joinFromLink('Carol')]);
const people = [alice, bob, carol];
const nameOf = (peerId: string) => people.find((p) => p.peerId === peerId)?.name ?? peerId;
const othersOf = (person: Person) => people.filter((p) => p !== person);

t.test('everyone sees a tile for themselves and for each of the two others', async (t) => {
  for (const person of people) {
    const expected = othersOf(person).map((p) => p.peerId).sort();
    await waitFor(
      async () => {
        const tiles = await tilesOf(person.page);
        const remote = [...tiles.remote].sort();
        if (tiles.local.length !== 1 || tiles.local[0] !== person.peerId) {
          throw new Error(`local tiles: ${JSON.stringify(tiles.local)}`);
        }
        if (JSON.stringify(remote) !== JSON.stringify(expected)) {
          throw new Error(`remote tiles: ${remote.map(nameOf).join(', ') || 'none'}`);
        }
        return true;
      },
      { timeout: JOIN_TIMEOUT, message: `${person.name}: own tile + tiles of ${othersOf(person).map((p) => p.name).join(' and ')}` },
    );
    await waitFor(async () => /\b3\b/.test((await person.page.getByTestId('participant-count').textContent()) ?? ''), {
      message: `${person.name}: the participant count to read 3`,
    });
  }
  t.pass('3 pages x (1 local + 2 remote tiles), participant count 3');
});

/**
 * Counters that must rise while media flows from each sender to each receiver: video frames decoded,
 * audio bytes received and audio samples played (Chromium counts samples only for a track that plays
 * in an element). Throws naming every stream that is missing altogether.
 */
async function countersOf(receivers: Person[], senders: Person[]): Promise<Record<string, number>> {
  const counters: Record<string, number> = {};
  const missing: string[] = [];
  const sum = (values: (number | undefined)[]) => values.reduce<number>((total, v) => total + (v ?? 0), 0);
  for (const to of receivers) {
    const stats = await statsOf(to.page);
    for (const from of senders.filter((p) => p !== to)) {
      const inbound = stats.inbound.filter((s) => s.peerId === from.peerId);
      const video = inbound.filter((s) => s.kind === 'video');
      const audio = inbound.filter((s) => s.kind === 'audio');
      const where = `${to.name} <- ${from.name}`;
      if (video.length === 0) missing.push(`${where} video`);
      if (audio.length === 0) missing.push(`${where} audio`);
      counters[`${where} video framesDecoded`] = sum(video.map((s) => s.framesDecoded));
      counters[`${where} audio bytesReceived`] = sum(audio.map((s) => s.bytesReceived));
      counters[`${where} audio totalSamplesReceived`] = sum(audio.map((s) => s.totalSamplesReceived));
    }
  }
  if (missing.length > 0) throw new Error(`not in stats().inbound at all: ${missing.join('; ')}`);
  return counters;
}

/** Waits until every counter is above zero, then until every one has risen past that first sample. */
async function expectMediaFlowing(receivers: Person[], senders: Person[], what: string): Promise<void> {
  const first = await waitFor(
    async () => {
      const counters = await countersOf(receivers, senders);
      const zero = Object.keys(counters).filter((key) => !(counters[key]! > 0));
      if (zero.length > 0) throw new Error(`still zero: ${zero.join('; ')}`);
      return counters;
    },
    { timeout: MEDIA_TIMEOUT, message: `${what}: media to arrive (every counter > 0)` },
  );
  await waitFor(
    async () => {
      const counters = await countersOf(receivers, senders);
      const stuck = Object.keys(first).filter((key) => !(counters[key]! > first[key]!));
      if (stuck.length > 0) throw new Error(`not rising: ${stuck.map((key) => `${key} = ${counters[key]}`).join('; ')}`);
      return true;
    },
    { timeout: MEDIA_TIMEOUT, message: `${what}: media to keep flowing (every counter rising)` },
  );
}

t.test('everyone receives, decodes and plays video and audio from both others', async (t) => {
  await expectMediaFlowing(people, people, 'all three');
  t.pass('6 video and 6 audio streams decoded and still rising');
});

t.test('when Carol leaves, Alice and Bob drop her and keep talking to each other', async (t) => {
  const stayers = [alice, bob];
  const carolsConsumers = new Map<Person, string[]>();
  for (const person of stayers) {
    const stats = await statsOf(person.page);
    carolsConsumers.set(person, stats.inbound.filter((s) => s.peerId === carol.peerId).map((s) => s.consumerId));
  }

  await carol.page.getByTestId('leave-button').click();
  await waitFor(() => carol.page.getByTestId('left-screen').isVisible(), {
    timeout: LEAVE_TIMEOUT,
    message: 'Carol: the left screen after clicking leave',
  });

  for (const person of stayers) {
    const gone = new Set(carolsConsumers.get(person));
    await waitFor(
      async () => {
        const tiles = await tilesOf(person.page);
        if (tiles.remote.includes(carol.peerId)) throw new Error("Carol's tile is still shown");
        const stats = await statsOf(person.page);
        const left = stats.inbound.filter((s) => s.peerId === carol.peerId || gone.has(s.consumerId));
        if (left.length > 0) throw new Error(`stats() still lists Carol's consumers ${left.map((s) => s.consumerId).join(', ')}`);
        return true;
      },
      { timeout: LEAVE_TIMEOUT, message: `${person.name}: Carol's tile and consumers to go away` },
    );
    await waitFor(async () => /\b2\b/.test((await person.page.getByTestId('participant-count').textContent()) ?? ''), {
      timeout: LEAVE_TIMEOUT,
      message: `${person.name}: the participant count to read 2`,
    });
  }
  t.pass("Carol's tile and consumers are gone for Alice and Bob");

  await expectMediaFlowing(stayers, stayers, 'Alice and Bob after Carol left');
  t.pass('Alice and Bob still receive each other');
});
