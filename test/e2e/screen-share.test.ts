/**
 * Screen sharing in headless Chromium through the SFU. Headless display capture works here (shared
 * notes: test-clients.md): with the fake-UI flag and `--auto-select-desktop-capture-source`,
 * getDisplayMedia returns a real `screen:` track without a prompt, so the real share path is tested,
 * not a canvas stand-in.
 * - Alice shares: Bob decodes the screen as its own stream, next to Alice's camera, and his view
 *   switches to presenter mode (the screen large).
 * - Alice stops from the app: the screen goes away for Bob.
 * - Alice shares again and the browser ends the capture (its own "Stop sharing"): the share ends too.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { statsOf } from '../helpers/client-hooks.js';
import { startServer } from '../helpers/server.js';
import { loadConfig } from '../../server/config.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'screen-share';
const TIMEOUT = 30_000;

// The SFU path on purpose, also for two people (two-person rooms would otherwise go peer to peer).
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, {
  fakeMedia: 'file',
  args: ['--auto-select-desktop-capture-source=Entire screen', '--auto-accept-this-tab-capture'],
});

interface Person extends Participant {
  raw: Page;
}

async function join(name: string): Promise<Person> {
  const raw = await browser.newPage(name);
  const joined = await joinRoom(chromiumCallPage(name, raw), server.url, ROOM, name, { timeout: 90_000 });
  return { ...joined, raw };
}

const alice = await join('Alice');
const bob = await join('Bob');

async function screenFrom(from: Person, to: Person) {
  const stats = await statsOf(to.raw);
  return stats.inbound.filter((s) => s.peerId === from.peerId && s.source === 'screen');
}

async function expectScreenShown(from: Person, to: Person): Promise<void> {
  await waitFor(
    async () =>
      to.raw.evaluate((peerId) => document.querySelector(`[data-testid="screen-tile"][data-peer-id="${peerId}"] video`) !== null, from.peerId),
    { timeout: TIMEOUT, message: `${to.name}: a screen tile with video for ${from.name}` },
  );
  const first = await waitFor(
    async () => {
      const [screen] = await screenFrom(from, to);
      return screen && (screen.framesDecoded ?? 0) > 0 ? screen : null;
    },
    { timeout: TIMEOUT, message: `${to.name}: decodes ${from.name}'s screen` },
  );
  await waitFor(async () => ((await screenFrom(from, to))[0]?.framesDecoded ?? 0) > (first.framesDecoded ?? 0), {
    timeout: TIMEOUT,
    message: `${to.name}: ${from.name}'s screen keeps decoding`,
  });
}

async function expectScreenGone(from: Person, to: Person, why: string): Promise<void> {
  await waitFor(
    async () => {
      const tile = await to.raw.evaluate(
        (peerId) => document.querySelector(`[data-testid="screen-tile"][data-peer-id="${peerId}"]`) !== null,
        from.peerId,
      );
      return !tile && (await screenFrom(from, to)).length === 0;
    },
    { timeout: TIMEOUT, message: `${to.name}: ${from.name}'s screen tile and consumer gone (${why})` },
  );
}

t.test('a screen share appears on the other page as its own stream, in presenter mode', async (t) => {
  await alice.raw.getByTestId('toggle-screen').click();
  await waitFor(() => alice.raw.getByTestId('presenting-banner').isVisible(), { timeout: TIMEOUT, message: 'Alice: "you are presenting"' });
  await expectScreenShown(alice, bob);
  const [screen] = await screenFrom(alice, bob);
  t.ok((screen?.frameWidth ?? 0) >= 640, `Bob receives the screen at ${screen?.frameWidth}x${screen?.frameHeight}`);
  const camera = (await statsOf(bob.raw)).inbound.filter((s) => s.peerId === alice.peerId && s.source === 'camera');
  t.equal(camera.length, 1, "Alice's camera still arrives next to her screen");
  await waitFor(async () => (await bob.raw.getByTestId('stage').getAttribute('data-stage-key')) === `screen:${alice.peerId}`, {
    timeout: TIMEOUT,
    message: "Bob's view switches to presenter mode with Alice's screen large",
  });
  t.pass('presenter mode: the screen is on the stage');
});

t.test('stopping from the app ends the share for the others', async (t) => {
  await alice.raw.getByTestId('stop-presenting').click();
  await expectScreenGone(alice, bob, 'Alice clicked stop');
  t.equal(await alice.raw.getByTestId('presenting-banner').count(), 0, "Alice's banner is gone");
  t.equal(await alice.raw.getByTestId('toggle-screen').getAttribute('aria-pressed'), 'false', 'the share button is off');
});

t.test("the browser's own stop (the capture track ends) ends the share too", async (t) => {
  await alice.raw.getByTestId('toggle-screen').click();
  await expectScreenShown(alice, bob);
  // What Chromium does when its "Stop sharing" bar is clicked: the capture track ends and fires `ended`.
  // Headless has no such bar, so the event is fired on the real capture track.
  await alice.raw.evaluate(() => {
    const track = (globalThis as { __shouwang?: { screenTrack(): MediaStreamTrack | null } }).__shouwang?.screenTrack();
    if (!track) throw new Error('no screen track');
    track.stop();
    track.dispatchEvent(new Event('ended'));
  });
  await expectScreenGone(alice, bob, "the browser ended Alice's capture");
  await waitFor(async () => (await alice.raw.getByTestId('presenting-banner').count()) === 0, { message: "Alice's banner goes" });
  t.pass("ending the capture track stops the share on Bob's page");
});
