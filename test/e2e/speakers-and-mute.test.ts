/**
 * Who speaks and who is muted, as the others see it, in headless Chromium through the SFU:
 * - muting (button or the M key) shows the muted icon on the other pages; M typed into a text field
 *   does not mute;
 * - the active speaker (mediasoup's ActiveSpeakerObserver) is the page whose microphone carries sound,
 *   and moves when another one starts talking;
 * - someone talking while muted is told so;
 * - every tile shows a network quality indicator fed by the server's scores.
 * Alice and Bob share a browser whose fake microphone plays a voice-like sound; Carol's plays silence.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { activeSpeakerOf } from '../helpers/client-hooks.js';
import { startServer } from '../helpers/server.js';
import { loadConfig } from '../../server/config.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'speakers';
// Generous: on a shared 2-core machine three pages can be starved for many seconds.
const TIMEOUT = 60_000;

// The SFU path on purpose, also for two people (two-person rooms would otherwise go peer to peer).
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const talking = await launchBrowser(t, { fakeMedia: 'file', fakeAudio: 'speech' });
const silent = await launchBrowser(t, { fakeMedia: 'file', fakeAudio: 'silence' });

interface Person extends Participant {
  raw: Page;
}

async function join(name: string, browser: typeof talking): Promise<Person> {
  const raw = await browser.newPage(name);
  const joined = await joinRoom(chromiumCallPage(name, raw), server.url, ROOM, name, { timeout: 90_000 });
  return { ...joined, raw };
}

const alice = await join('Alice', talking);
const bob = await join('Bob', talking);
const carol = await join('Carol', silent);
const people = [alice, bob, carol];
const othersOf = (person: Person) => people.filter((p) => p !== person);

/** Whether `subject`'s tile on `viewer`'s page shows the muted icon. */
function mutedIconShown(viewer: Person, subject: Person): Promise<boolean> {
  return viewer.raw.evaluate(
    (peerId) => document.querySelector(`[data-testid="tile"][data-peer-id="${peerId}"] [data-testid="tile-muted"]`) !== null,
    subject.peerId,
  );
}

async function expectMutedIcon(subject: Person, muted: boolean, why: string): Promise<void> {
  for (const viewer of othersOf(subject)) {
    await waitFor(async () => (await mutedIconShown(viewer, subject)) === muted, {
      timeout: TIMEOUT,
      message: `${viewer.name}: ${subject.name}'s tile ${muted ? 'shows' : 'hides'} the muted icon (${why})`,
    });
  }
}

async function expectActiveSpeaker(speaker: Person, why: string): Promise<void> {
  for (const viewer of people) {
    await waitFor(
      async () => {
        const active = await activeSpeakerOf(viewer.raw);
        if (active !== speaker.peerId) throw new Error(`active speaker is ${people.find((p) => p.peerId === active)?.name ?? active}`);
        // The tile is highlighted too (the page's own tile when it is the speaker).
        return viewer.raw.evaluate(
          (peerId) => document.querySelector(`[data-testid="tile"][data-peer-id="${peerId}"]`)?.getAttribute('data-speaking') === 'true',
          speaker.peerId,
        );
      },
      { timeout: TIMEOUT, message: `${viewer.name}: ${speaker.name} is the active speaker, highlighted (${why})` },
    );
  }
}

t.test('muting shows the muted icon on the other pages, and unmuting removes it', async (t) => {
  await expectMutedIcon(bob, false, 'everyone starts unmuted');
  await bob.raw.getByTestId('mute-mic').click();
  await expectMutedIcon(bob, true, 'Bob clicked mute');
  t.pass("Alice and Carol see Bob's muted icon");
  await alice.raw.getByTestId('mute-mic').click();
  await expectMutedIcon(alice, true, 'Alice clicked mute');
  await alice.raw.getByTestId('mute-mic').click();
  await expectMutedIcon(alice, false, 'Alice clicked unmute');
  t.pass("Alice's icon comes and goes with her mute button");
});

t.test('the active speaker is the page with sound, and moves when someone else talks', async (t) => {
  // Alice talks, Bob is muted, Carol's microphone is silent.
  await expectActiveSpeaker(alice, 'only Alice sends sound');
  t.pass('Alice is the active speaker on all three pages');
  await alice.raw.getByTestId('mute-mic').click();
  await bob.raw.getByTestId('mute-mic').click();
  await expectActiveSpeaker(bob, 'Alice muted, Bob unmuted');
  t.pass('the active speaker moved to Bob on all three pages');
  // Bob's tile is the large one in Carol's speaker view.
  await carol.raw.getByTestId('toggle-layout').click();
  await waitFor(
    async () => (await carol.raw.getByTestId('stage').getAttribute('data-stage-key')) === bob.peerId,
    { timeout: TIMEOUT, message: "Carol's speaker view shows Bob large" },
  );
  t.pass("Carol's speaker view puts the speaker on the stage");
  await carol.raw.getByTestId('toggle-layout').click();
});

t.test('talking while muted shows the "you are muted" hint; silence does not', async (t) => {
  // Alice is muted and her microphone carries sound; Carol mutes too, but her microphone is silent.
  await carol.raw.getByTestId('mute-mic').click();
  await expectMutedIcon(carol, true, 'Carol muted');
  await waitFor(() => alice.raw.getByTestId('muted-hint').isVisible(), { timeout: TIMEOUT, message: 'Alice: the muted hint' });
  // Both pages listened meanwhile: the hint that reached Alice would have reached Carol by now.
  t.equal(await carol.raw.getByTestId('muted-hint').count(), 0, 'Carol (muted, silent microphone) gets no hint');
  await alice.raw.getByTestId('muted-hint').getByRole('button', { name: /unmute/i }).click();
  await expectMutedIcon(alice, false, "Alice unmuted from the hint's button");
  await waitFor(async () => (await alice.raw.getByTestId('muted-hint').count()) === 0, { message: 'the hint goes when Alice unmutes' });
  t.pass('the hint shows while Alice talks muted, and its button unmutes her');
});

/** The mute and camera buttons are usable again (a toggle still in flight ignores another press, as a click would). */
async function settled(person: Person): Promise<void> {
  await waitFor(
    async () => (await person.raw.getByTestId('mute-mic').isEnabled()) && (await person.raw.getByTestId('toggle-camera').isEnabled()),
    { message: `${person.name}: mic and camera buttons enabled` },
  );
}

t.test('M and V toggle microphone and camera, except while typing', async (t) => {
  await alice.raw.locator('body').click({ position: { x: 5, y: 5 } });
  await alice.raw.keyboard.press('m');
  await expectMutedIcon(alice, true, 'Alice pressed M');
  await settled(alice);
  await alice.raw.keyboard.press('m');
  await expectMutedIcon(alice, false, 'Alice pressed M again');
  // A text field (the chat's, for instance) takes the letter instead.
  await alice.raw.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'text';
    input.dataset.testid = 'scratch-input';
    document.body.append(input);
  });
  await settled(alice);
  await alice.raw.getByTestId('scratch-input').fill('');
  await alice.raw.getByTestId('scratch-input').press('m');
  await alice.raw.getByTestId('scratch-input').press('v');
  t.equal(await alice.raw.getByTestId('scratch-input').inputValue(), 'mv', 'the letters went into the field');
  t.equal(await alice.raw.getByTestId('mute-mic').getAttribute('aria-pressed'), 'false', 'M in a field did not mute');
  t.equal(await alice.raw.getByTestId('toggle-camera').getAttribute('aria-pressed'), 'false', 'V in a field did not stop the camera');
  await alice.raw.getByTestId('scratch-input').evaluate((input) => input.remove());
  await alice.raw.keyboard.press('v');
  await waitFor(async () => (await alice.raw.getByTestId('toggle-camera').getAttribute('aria-pressed')) === 'true', {
    message: 'V turned the camera off',
  });
  await settled(alice);
  await alice.raw.keyboard.press('v');
  await waitFor(async () => (await alice.raw.getByTestId('toggle-camera').getAttribute('aria-pressed')) === 'false', {
    message: 'V turned the camera back on',
  });
  t.pass('M and V work outside text fields');
});

t.test('every tile shows a network quality indicator from the server', async (t) => {
  for (const viewer of people) {
    const qualities = await waitFor(
      async () => {
        const found = await viewer.raw.evaluate(() =>
          [...document.querySelectorAll('[data-testid="tile"]')].map((tile) => ({
            peerId: tile.getAttribute('data-peer-id'),
            quality: tile.querySelector('[data-testid="network-quality"]')?.getAttribute('data-quality') ?? null,
            rtt: tile.querySelector('[data-testid="network-quality"]')?.getAttribute('data-rtt') ?? null,
            label: tile.querySelector('[data-testid="network-quality"]')?.getAttribute('aria-label') ?? null,
          })),
        );
        if (found.length !== 3 || found.some((tile) => tile.quality === null)) throw new Error(JSON.stringify(found));
        return found;
      },
      { timeout: TIMEOUT, message: `${viewer.name}: a quality indicator on all 3 tiles` },
    );
    // Loopback loses nothing, but a starved CPU delays RTCP: the level must agree with the round trip
    // measured (<= 300 ms can be good, > 600 ms is poor), whatever the machine's load.
    const wrong = qualities.filter((q) => {
      const rtt = Number(q.rtt);
      if (!['good', 'fair', 'poor'].includes(q.quality ?? '') || q.rtt === '' || !Number.isFinite(rtt)) return true;
      if (rtt > 600) return q.quality !== 'poor';
      if (rtt > 300) return q.quality === 'good';
      return false;
    });
    t.same(wrong, [], `${viewer.name}: every tile has a level and a round trip that agree (${qualities.map((q) => q.label).join('; ')})`);
  }
});
