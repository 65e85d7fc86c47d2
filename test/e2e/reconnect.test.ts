/**
 * Reconnect in real Chromium: Alice's page reaches the server through a TCP proxy, so the test can
 * break her signaling connection the way networks break it, mid-call, while Bob and Carol stay.
 * - Killed socket (reset, as when Wi-Fi drops): her page shows "reconnecting", resumes as the same
 *   person without a reload, restarts ICE on both transports, and decodes everyone again; Bob and
 *   Carol never see her leave.
 * - Silent socket (the path stops carrying data, nothing closes): her page's own heartbeat notices
 *   and does the same.
 * - Gone for longer than the grace period: the server lets her go, and only then does the page show
 *   the final "disconnected" banner; Rejoin brings her back.
 * Media is checked on WebRTC stats (frames decoded, audio received).
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../server/config.js';
import { launchBrowser } from '../helpers/browser.js';
import { everyPair, expectMediaFlowing, joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage, isVisible } from '../helpers/call-page.js';
import { startServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'reconnect';
// Generous: three pages on a shared 2-core machine can be starved for many seconds.
const TIMEOUT = 60_000;
const GRACE_MS = 12_000;

// P2P off: this is the SFU's reconnect; Bob and Carol alone (while Alice is away) would otherwise go
// direct, over the machine's own addresses (Chromium has no loopback candidates).
const server = await startServer({ resumeGraceMs: GRACE_MS, p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const proxy = await TcpProxy.start(Number(new URL(server.url).port));
t.teardown(() => proxy.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });

interface Person extends Participant {
  raw: Page;
}

async function join(name: string, url: string): Promise<Person> {
  const raw = await browser.newPage(name);
  return { ...(await joinRoom(chromiumCallPage(name, raw), url, ROOM, name, { timeout: TIMEOUT })), raw };
}

const alice = await join('Alice', proxy.url);
const bob = await join('Bob', server.url);
const carol = await join('Carol', server.url);
const people = [alice, bob, carol];

type Hooks = { phase: string | null; reconnects: number; peerId: string | null; remotePeerIds(): string[] };
const hooksOf = (person: Person) =>
  person.raw.evaluate(() => {
    const hooks = (window as unknown as { __shouwang: Hooks }).__shouwang;
    return { phase: hooks.phase, reconnects: hooks.reconnects, peerId: hooks.peerId, remote: hooks.remotePeerIds() };
  });

/** What would vanish if the page reloaded. */
async function markPage(person: Person): Promise<void> {
  await person.raw.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}
const stillSamePage = (person: Person) => person.raw.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);

/** Alice's transports' ICE usernames on the server: new ones mean an ICE restart happened. */
function aliceUfrags(): string[] {
  const peer = server.app.rooms.rooms.get(ROOM)?.peers.get(alice.peerId);
  return peer ? [...peer.transports.values()].map((transport) => transport.iceParameters.usernameFragment).sort() : [];
}

/** Bob and Carol see Alice the whole time: sampled while her connection is down. */
async function othersStillSeeAlice(): Promise<void> {
  for (const other of [bob, carol]) {
    const { remote } = await hooksOf(other);
    if (!remote.includes(alice.peerId)) throw new Error(`${other.name} no longer lists Alice`);
  }
}

await expectMediaFlowing(everyPair(people), 'the three of them', { timeout: TIMEOUT });
await markPage(alice);

t.test('a killed socket: "reconnecting", then the same call again without a reload', async (t) => {
  const ufrags = aliceUfrags();
  t.equal(ufrags.length, 2, 'Alice has two transports');
  // Down for a moment: the network refuses her reconnects until unblocked.
  proxy.block();
  await waitFor(() => isVisible(chromiumCallPage('Alice', alice.raw), 'reconnecting-banner'), {
    timeout: TIMEOUT,
    message: 'Alice: the "reconnecting" banner',
  });
  t.equal((await hooksOf(alice)).phase, 'reconnecting');
  await othersStillSeeAlice();
  t.pass('the banner shows while the connection is down; Bob and Carol still see Alice');
  proxy.unblock();

  await waitFor(async () => (await hooksOf(alice)).reconnects === 1, { timeout: TIMEOUT, message: 'Alice resumed' });
  const after = await hooksOf(alice);
  t.equal(after.phase, 'joined', 'back in the meeting');
  t.equal(after.peerId, alice.peerId, 'as the same person');
  t.ok(await stillSamePage(alice), 'without reloading the page');
  t.notOk(await isVisible(chromiumCallPage('Alice', alice.raw), 'reconnecting-banner'), 'the banner is gone');
  await waitFor(() => aliceUfrags().every((ufrag, i) => ufrag !== ufrags[i]), { timeout: TIMEOUT, message: 'ICE restarted on both transports' });
  t.pass('both transports got new ICE credentials (ICE restart)');
  await othersStillSeeAlice();
  await expectMediaFlowing(everyPair(people), 'after the resume', { timeout: TIMEOUT });
  t.pass('everyone decodes everyone again');
});

t.test("a silent socket: the page's heartbeat notices and resumes", async (t) => {
  const before = (await hooksOf(alice)).reconnects;
  proxy.freeze();
  await waitFor(async () => (await hooksOf(alice)).reconnects === before + 1, {
    timeout: TIMEOUT,
    message: 'Alice noticed the dead socket and resumed',
  });
  t.equal((await hooksOf(alice)).peerId, alice.peerId, 'the same person');
  t.ok(await stillSamePage(alice), 'no reload');
  await othersStillSeeAlice();
  await expectMediaFlowing(everyPair(people), 'after the silent break', { timeout: TIMEOUT });
  t.pass('everyone decodes everyone again');
});

t.test('gone longer than the grace period: only then the final "disconnected" banner', async (t) => {
  proxy.block();
  await waitFor(async () => !(await hooksOf(bob)).remote.includes(alice.peerId), {
    timeout: GRACE_MS + TIMEOUT,
    message: 'the server let Alice go after the grace period',
  });
  await waitFor(() => isVisible(chromiumCallPage('Alice', alice.raw), 'disconnected-banner'), {
    timeout: TIMEOUT,
    message: "Alice's page gives up: the disconnected banner",
  });
  t.equal((await hooksOf(alice)).phase, 'disconnected');
  t.match(await alice.raw.getByTestId('disconnected-banner').textContent(), /could not be restored/, 'it says why');
  proxy.unblock();

  await alice.raw.getByTestId('disconnected-banner').getByRole('button').click();
  const rejoined = await waitFor(async () => {
    const hooks = await hooksOf(alice);
    return hooks.phase === 'joined' && hooks.peerId ? hooks.peerId : undefined;
  }, { timeout: TIMEOUT, message: 'Alice rejoined' });
  t.not(rejoined, alice.peerId, 'as a new participant');
  await expectMediaFlowing(everyPair([{ ...alice, peerId: rejoined }, bob, carol]), 'after rejoining', { timeout: TIMEOUT });
  t.pass('and the call works again');
});
