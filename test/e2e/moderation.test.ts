/**
 * Moderation through the real UI in headless Chromium, through the SFU: the first person in (Host)
 * mutes Guest from the participants panel (Guest is told, and the server stops forwarding the mic),
 * puts the room behind a lobby and admits a visitor who then sees and hears the others, removes Guest
 * (who is told why), and locks the room (Guest's rejoin is refused). /metrics counts the bytes that
 * went through the SFU meanwhile.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { expectMediaFlowing, joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage, isVisible, peerIdOf, textOf } from '../helpers/call-page.js';
import { startServer } from '../helpers/server.js';
import { loadConfig } from '../../server/config.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'moderated';
const TIMEOUT = 60_000;

// Through the SFU also for two people: a server-side mute is what this test watches.
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });

interface Person extends Participant {
  raw: Page;
}

async function join(name: string): Promise<Person> {
  const raw = await browser.newPage(name);
  // Clicks wait as long as the condition waits: three pages can starve each other on 2 cores.
  raw.setDefaultTimeout(TIMEOUT);
  const joined = await joinRoom(chromiumCallPage(name, raw), server.url, ROOM, name, { timeout: 90_000 });
  return { ...joined, raw };
}

const byTestId = (testId: string) => `[data-testid="${testId}"]`;
const participantRow = (page: Page, peerId: string) => page.locator(`${byTestId('participant')}[data-peer-id="${peerId}"]`);
const serverPeer = (peerId: string) => server.app.rooms.rooms.get(ROOM)?.peers.get(peerId);

const host = await join('Host');
const guest = await join('Guest');
await expectMediaFlowing(
  [
    [host, guest],
    [guest, host],
  ],
  'Host and Guest',
  { timeout: TIMEOUT },
);

t.test('the first person in moderates; the second does not', async (t) => {
  await host.raw.locator(byTestId('participants-toggle')).click();
  await waitFor(() => host.raw.locator(byTestId('remove-button')).count().then((n) => n === 1), {
    message: 'Host sees moderator tools for Guest',
  });
  await guest.raw.locator(byTestId('participants-toggle')).click();
  await waitFor(() => guest.raw.locator(byTestId('participant')).count().then((n) => n === 2), { message: 'Guest sees both people' });
  t.equal(await guest.raw.locator(byTestId('remove-button')).count(), 0, 'Guest has no moderator tools');
  t.equal(await guest.raw.locator(byTestId('access-locked')).count(), 0, 'nor the access choice');
});

t.test('Host mutes Guest from the panel', async (t) => {
  await participantRow(host.raw, guest.peerId).locator(byTestId('mute-button')).click();
  const mic = await waitFor(() => [...(serverPeer(guest.peerId)?.producers.values() ?? [])].find((p) => p.appData.source === 'mic'), {
    message: "Guest's mic producer on the server",
  });
  await waitFor(() => mic.paused, { timeout: TIMEOUT, message: 'the server paused Guest\'s mic' });
  await waitFor(async () => (await guest.raw.locator(byTestId('mute-mic')).getAttribute('aria-pressed')) === 'true', {
    timeout: TIMEOUT,
    message: "Guest's own mic button shows muted",
  });
  const notice = await waitFor(() => guest.raw.getByText('Host muted your microphone').count(), {
    timeout: TIMEOUT,
    message: 'Guest is told who muted them',
  });
  t.ok(notice, 'Guest sees "Host muted your microphone"');
  await waitFor(() => participantRow(host.raw, guest.peerId).locator(byTestId('mute-button')).isDisabled(), {
    timeout: TIMEOUT,
    message: 'Host sees Guest muted (the mute button is disabled)',
  });
});

let visitor: Person | undefined;

t.test('a lobby: the visitor knocks, Host admits, the visitor sees and hears everyone', async (t) => {
  await host.raw.locator(byTestId('access-lobby')).check();
  await waitFor(() => server.app.rooms.rooms.get(ROOM)?.access.mode === 'lobby', { message: 'the room has a lobby' });
  await waitFor(() => guest.raw.locator(byTestId('room-access')).isVisible(), { message: 'Guest sees the room has a lobby' });

  const raw = await browser.newPage('Visitor');
  raw.setDefaultTimeout(TIMEOUT);
  const page = chromiumCallPage('Visitor', raw);
  await page.goto(`${server.url}/r/${ROOM}?name=Visitor`);
  await waitFor(() => isVisible(page, 'preview-video'), { timeout: 90_000, message: 'Visitor: the camera preview' });
  await page.click('join-button');
  await waitFor(() => isVisible(page, 'lobby-waiting'), { timeout: TIMEOUT, message: 'Visitor waits in the lobby' });
  t.match(await textOf(page, 'lobby-waiting'), /Waiting for a moderator/, 'and is told so');

  await waitFor(() => host.raw.locator(byTestId('knock')).count().then((n) => n === 1), { timeout: TIMEOUT, message: 'Host sees the knock' });
  t.match(await host.raw.locator(byTestId('knock')).textContent(), /Visitor/, 'with the name');
  await host.raw.locator(byTestId('admit-button')).click();
  const peerId = await waitFor(() => peerIdOf(page), { timeout: TIMEOUT, message: 'Visitor joins once admitted' });
  visitor = { name: 'Visitor', page, peerId, raw };
  await expectMediaFlowing([[host, visitor]], 'Host to Visitor', { timeout: TIMEOUT });
  t.pass('Visitor decodes Host');
});

t.test('Host removes Guest, who is told why', async (t) => {
  const remove = participantRow(host.raw, guest.peerId).locator(byTestId('remove-button'));
  await remove.click();
  t.ok(serverPeer(guest.peerId), 'one click asks to confirm; Guest is still in');
  await remove.click();
  await waitFor(() => !serverPeer(guest.peerId), { timeout: TIMEOUT, message: 'Guest is gone from the room' });
  await waitFor(() => guest.raw.locator(byTestId('disconnected-banner')).isVisible(), { timeout: TIMEOUT, message: 'Guest sees the banner' });
  t.match(await guest.raw.locator(byTestId('disconnected-banner')).textContent(), /removed from the meeting.*by Host/, 'saying who removed them');
  await waitFor(() => participantRow(host.raw, guest.peerId).count().then((n) => n === 0), { message: 'Host no longer lists Guest' });
});

t.test('Host locks the room; Guest cannot rejoin', async (t) => {
  await host.raw.locator(byTestId('access-locked')).check();
  await waitFor(() => server.app.rooms.rooms.get(ROOM)?.access.mode === 'locked', { message: 'the room is locked' });
  await guest.raw.getByRole('button', { name: /rejoin/i }).first().click();
  await waitFor(() => guest.raw.locator(byTestId('error-message')).isVisible(), { timeout: TIMEOUT, message: 'Guest sees why' });
  t.match(await guest.raw.locator(byTestId('error-message')).textContent(), /locked/, 'the meeting is locked');
  t.notOk(serverPeer(guest.peerId), 'and is not in');
});

t.test('/metrics counted the media through the SFU', async (t) => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const bytes = (direction: string) => Number(new RegExp(`^shouwang_media_bytes_total\\{direction="${direction}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  t.ok(bytes('in') > 100_000, `bytes in: ${bytes('in')}`);
  t.ok(bytes('out') > 100_000, `bytes out: ${bytes('out')}`);
  t.ok(visitor, 'with three people over the test');
});
