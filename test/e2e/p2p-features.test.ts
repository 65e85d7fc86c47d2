/**
 * Everything a person does in a call works while the pair is peer-to-peer: mute (shown from the
 * explicit mute state, so the paused SFU producers do not look muted), camera off and on (a new track
 * on the P2P sender), a screen share (its own P2P transceiver, no renegotiation), the active speaker
 * (measured in the browser), and a late joiner learns the current mute state. On the test network
 * (helpers/network-call.ts): the pair's candidates are asserted to be its addresses.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { joinRoom, modeOf, p2pInfoOf, pathStatsOf, serverProducers, waitForMode, type Person } from '../helpers/media-path.js';
import { expectPairOnTestNetwork, onTestNetwork, testNetworkOrSkipFile } from '../helpers/network-call.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'p2p-features';
const TIMEOUT = 60_000;

// Several browsers on a shared 2-core machine: far slower than tap's per-file default when it is busy.
t.setTimeout(420_000);

const network = testNetworkOrSkipFile(t);
const server = await startServer({
  ...onTestNetwork(network),
  p2p: { enabled: true, switchBackDelayMs: 1000, connectTimeoutMs: 60_000, iceServerUrls: [], iceTransportPolicy: 'all' },
});
t.teardown(() => server.close());
const browser = await launchBrowser(t, {
  fakeMedia: 'file',
  network,
  args: ['--auto-select-desktop-capture-source=Entire screen', '--auto-accept-this-tab-capture'],
});

const alice = await joinRoom(await browser.newPage('Alice'), server.url, ROOM, 'Alice');
const bob = await joinRoom(await browser.newPage('Bob'), server.url, ROOM, 'Bob');
await waitForMode([alice, bob], 'p2p', TIMEOUT);
const { sessionId } = (await p2pInfoOf(alice.page)) ?? { sessionId: '' };

function tileOf(page: Page, peerId: string, kind: 'tile' | 'screen-tile' = 'tile') {
  return page.locator(`[data-testid="${kind}"][data-peer-id="${peerId}"]`);
}

/** Frames of `from`'s `source` decoded on `to`'s page from the path its UI shows. */
async function shownFrames(to: Person, from: Person, source: 'camera' | 'screen'): Promise<{ path: string | undefined; frames: number }> {
  const stats = await pathStatsOf(to.page);
  const shown = stats.inbound.find((s) => s.peerId === from.peerId && s.source === source && s.shown);
  return { path: shown?.path, frames: shown?.framesDecoded ?? 0 };
}

async function expectP2PVideo(to: Person, from: Person, source: 'camera' | 'screen'): Promise<void> {
  const first = await waitFor(
    async () => {
      const now = await shownFrames(to, from, source);
      if (now.path !== 'p2p') throw new Error(`shown from ${now.path ?? 'nowhere'}`);
      return now;
    },
    { timeout: TIMEOUT, message: `${to.name} shows ${from.name}'s ${source} from P2P` },
  );
  await waitFor(async () => (await shownFrames(to, from, source)).frames > first.frames + 5, {
    timeout: TIMEOUT,
    message: `${to.name}: ${from.name}'s ${source} frames keep rising over P2P`,
  });
}

async function stillSameSession(t: Test): Promise<void> {
  t.equal(await modeOf(alice.page), 'p2p', 'still P2P');
  t.equal((await p2pInfoOf(alice.page))?.sessionId, sessionId, 'the same P2P session: nothing was renegotiated or restarted');
}

t.test('the pair connects directly over the test network', async (t) => {
  for (const person of [alice, bob]) expectPairOnTestNetwork(t, person.name, (await p2pInfoOf(person.page))?.selectedPair, network);
});

t.test('paused SFU producers do not look like mute', async (t) => {
  await waitFor(() => serverProducers(server.app, ROOM).every((p) => p.paused), { message: 'SFU producers paused for P2P' });
  for (const [page, other] of [[alice.page, bob], [bob.page, alice]] as const) {
    t.equal(await tileOf(page, other.peerId).getByTestId('tile-muted').count(), 0, `no mute icon on ${other.name}'s tile`);
    t.equal(await tileOf(page, other.peerId).getByTestId('tile-avatar').count(), 0, `${other.name}'s video is shown, not an avatar`);
  }
});

t.test('mute and unmute reach the other browser while P2P', async (t) => {
  await bob.page.getByTestId('mute-mic').click();
  await waitFor(async () => (await tileOf(alice.page, bob.peerId).getByTestId('tile-muted').count()) === 1, {
    timeout: TIMEOUT,
    message: "Alice sees Bob's mute icon",
  });
  await bob.page.getByTestId('mute-mic').click();
  await waitFor(async () => (await tileOf(alice.page, bob.peerId).getByTestId('tile-muted').count()) === 0, {
    timeout: TIMEOUT,
    message: "Bob's mute icon goes away on Alice's page",
  });
  await stillSameSession(t);
});

t.test('camera off and on: avatar, then a new camera track over P2P', async (t) => {
  await bob.page.getByTestId('toggle-camera').click();
  await waitFor(async () => (await tileOf(alice.page, bob.peerId).getByTestId('tile-avatar').count()) === 1, {
    timeout: TIMEOUT,
    message: "Alice sees Bob's avatar (camera off)",
  });
  await bob.page.getByTestId('toggle-camera').click();
  await waitFor(async () => (await tileOf(alice.page, bob.peerId).locator('video').count()) > 0, {
    timeout: TIMEOUT,
    message: "Alice sees Bob's video again",
  });
  await expectP2PVideo(alice, bob, 'camera');
  await stillSameSession(t);
});

t.test('a screen share goes over P2P on its own transceiver', async (t) => {
  await bob.page.getByTestId('toggle-screen').click();
  await waitFor(async () => (await tileOf(alice.page, bob.peerId, 'screen-tile').locator('video').count()) > 0, {
    timeout: TIMEOUT,
    message: "Alice sees Bob's screen tile",
  });
  await expectP2PVideo(alice, bob, 'screen');
  await stillSameSession(t);
  await bob.page.getByTestId('toggle-screen').click();
  await waitFor(async () => (await tileOf(alice.page, bob.peerId, 'screen-tile').count()) === 0, {
    timeout: TIMEOUT,
    message: "Bob's screen tile goes away",
  });
});

t.test('the active speaker is detected in the browser while P2P (the server hears nothing)', async (t) => {
  const speakerOn = (page: Page) =>
    page.evaluate(() => (globalThis as { __shouwang?: { activeSpeakerId: string | null } }).__shouwang?.activeSpeakerId ?? null);
  // Both fake microphones play a tone. Whoever is not muted is the only one speaking.
  for (const [quiet, talking] of [[alice, bob], [bob, alice]] as const) {
    await quiet.page.getByTestId('mute-mic').click();
    for (const person of [alice, bob]) {
      await waitFor(async () => (await speakerOn(person.page)) === talking.peerId, {
        timeout: TIMEOUT,
        message: `${person.name} sees ${talking.name} as the speaker while ${quiet.name} is muted`,
      });
    }
    t.pass(`${talking.name} is the speaker on both pages`);
    await quiet.page.getByTestId('mute-mic').click();
  }
  t.ok(serverProducers(server.app, ROOM).every((p) => p.paused), "the server's producers stayed paused: this was the browsers' doing");
  await stillSameSession(t);
});

t.test('a late joiner learns who is muted; everyone moves to the SFU', async (t) => {
  await bob.page.getByTestId('mute-mic').click();
  await waitFor(async () => (await tileOf(alice.page, bob.peerId).getByTestId('tile-muted').count()) === 1, {
    timeout: TIMEOUT,
    message: "Alice sees Bob's mute icon",
  });
  const carol = await joinRoom(await browser.newPage('Carol'), server.url, ROOM, 'Carol');
  await waitFor(async () => (await tileOf(carol.page, bob.peerId).getByTestId('tile-muted').count()) === 1, {
    timeout: TIMEOUT,
    message: "Carol sees Bob's mute icon from the start",
  });
  // Until Alice's mic arrives, her tile shows muted too (no mic at all): wait for it.
  await waitFor(async () => (await tileOf(carol.page, alice.peerId).getByTestId('tile-muted').count()) === 0, {
    timeout: TIMEOUT,
    message: 'Carol sees Alice unmuted',
  });
  await waitForMode([alice, bob, carol], 'sfu', TIMEOUT);
  t.equal(await tileOf(alice.page, bob.peerId).getByTestId('tile-muted').count(), 1, "Bob still shows muted to Alice on the SFU");
});
