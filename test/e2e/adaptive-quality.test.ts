/**
 * Receiving what is seen, at the size it is seen, in headless Chromium through the SFU:
 * - a large tile gets the top simulcast layer, and shrinking it lowers the received frameWidth;
 * - a constrained downlink (the server caps what it may send to Bob) lowers the layer instead of
 *   freezing the picture, and Bob's tile says the quality is reduced;
 * - in a room larger than the grid, a tile on another page receives no video until it is shown.
 * Alice and Carol send Chromium's built-in 1280x720 fake camera (three simulcast layers); every
 * microphone is silent so nobody's speaking reorders the pages.
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

// Three pages sending 720p simulcast on a shared 2-core machine: more than tap's default 180 s.
t.setTimeout(360_000);

const ROOM = 'adaptive';
const TIMEOUT = 60_000;

// The SFU path on purpose, also for two people (two-person rooms would otherwise go peer to peer).
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'builtin', fakeAudio: 'silence' });

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
// Bob only watches: his own camera would cost the shared CPU for nothing here.
await bob.raw.getByTestId('toggle-camera').click();
await waitFor(async () => (await bob.raw.getByTestId('toggle-camera').getAttribute('aria-pressed')) === 'true', {
  message: "Bob's camera off",
});

/** What Bob receives of `from`'s camera: decoded frames and their width. */
async function videoFrom(from: Person): Promise<{ framesDecoded: number; frameWidth: number }> {
  const stats = await statsOf(bob.raw);
  const video = stats.inbound.find((s) => s.peerId === from.peerId && s.kind === 'video' && s.source === 'camera');
  if (!video) throw new Error(`Bob has no inbound camera video from ${from.name}`);
  return { framesDecoded: video.framesDecoded ?? 0, frameWidth: video.frameWidth ?? 0 };
}

/** Waits for a frame width satisfying `accept` while frames keep being decoded; returns the width. */
async function expectWidth(from: Person, accept: (width: number) => boolean, what: string): Promise<number> {
  const width = await waitFor(
    async () => {
      const { frameWidth } = await videoFrom(from);
      if (!accept(frameWidth)) throw new Error(`frameWidth ${frameWidth}`);
      return frameWidth;
    },
    { timeout: TIMEOUT, message: `Bob <- ${from.name}: ${what}` },
  );
  const before = (await videoFrom(from)).framesDecoded;
  await waitFor(async () => (await videoFrom(from)).framesDecoded > before + 10, {
    timeout: TIMEOUT,
    message: `Bob <- ${from.name}: frames keep decoding at ${width} px wide`,
  });
  return width;
}

function limitedShown(viewer: Person, subject: Person): Promise<boolean> {
  return viewer.raw.evaluate(
    (peerId) => document.querySelector(`[data-peer-id="${peerId}"] [data-testid="tile-limited"]`) !== null,
    subject.peerId,
  );
}

/** The server-side consumer carrying `from`'s camera to `to`. */
function cameraConsumer(to: Person, from: Person) {
  const peer = server.app.rooms.rooms.get(ROOM)?.peers.get(to.peerId);
  const consumer = [...(peer?.consumers.values() ?? [])].find((c) => c.appData.producerPeerId === from.peerId && c.appData.source === 'camera');
  if (!consumer) throw new Error(`no consumer of ${from.name}'s camera for ${to.name} on the server`);
  return consumer;
}

function recvTransportOf(person: Person) {
  const peer = server.app.rooms.rooms.get(ROOM)?.peers.get(person.peerId);
  const transport = peer?.transportFor('recv');
  if (!transport) throw new Error(`no receive transport for ${person.name} on the server`);
  return transport;
}

let largeWidth = 0;

t.test('a large tile gets a high layer; shrinking it lowers the received frameWidth', async (t) => {
  await bob.raw.setViewportSize({ width: 1280, height: 720 });
  await bob.raw.getByTestId('toggle-layout').click();
  await waitFor(async () => (await bob.raw.getByTestId('stage').getAttribute('data-stage-key')) === alice.peerId, {
    message: "Bob's speaker view shows Alice large",
  });
  largeWidth = await expectWidth(alice, (w) => w > 640, 'a layer above 640 px for a ~1250 px stage');
  t.pass(`large stage: ${largeWidth} px wide`);

  await bob.raw.setViewportSize({ width: 360, height: 420 });
  const small = await expectWidth(alice, (w) => w > 0 && w <= 320, 'the lowest layer (<= 320 px) for a small stage');
  t.ok(small < largeWidth, `shrunk stage: ${small} px wide, down from ${largeWidth}`);

  await bob.raw.setViewportSize({ width: 1280, height: 720 });
  const again = await expectWidth(alice, (w) => w > 640, 'back above 640 px when the stage is large again');
  t.pass(`stage large again: ${again} px wide`);
});

t.test('a constrained downlink lowers the layer instead of freezing, and the tile says so', async (t) => {
  const transport = recvTransportOf(bob);
  const consumer = cameraConsumer(bob, alice);
  const preferred = consumer.preferredLayers?.spatialLayer;
  t.equal(preferred, 2, 'the large stage asked for the top layer');
  // Below the top layer's 1.2 Mbps and the middle one's 500 kbps (the sender's encoder may produce less
  // than its cap when the machine is busy, so the server may still fit the middle one).
  await transport.setMaxOutgoingBitrate(250_000);
  await waitFor(() => (consumer.currentLayers?.spatialLayer ?? 2) < 2, {
    timeout: TIMEOUT,
    message: `the server forwards a lower layer than the top one under a 250 kbps cap (now ${JSON.stringify(consumer.currentLayers)})`,
  });
  const constrained = await expectWidth(alice, (w) => w > 0 && w < largeWidth, `narrower than ${largeWidth} px under the cap`);
  t.pass(`capped downlink: layer ${consumer.currentLayers?.spatialLayer}, ${constrained} px wide, frames still decoding`);
  await waitFor(() => limitedShown(bob, alice), { timeout: TIMEOUT, message: "Bob: Alice's tile marked as reduced quality" });
  t.pass('the tile shows the reduced-quality mark');

  await transport.setMaxOutgoingBitrate(20_000_000);
  await expectWidth(alice, (w) => w > 640, 'above 640 px again once the cap is lifted');
  await waitFor(async () => !(await limitedShown(bob, alice)), { timeout: TIMEOUT, message: 'the reduced-quality mark goes away' });
  t.pass('the picture recovers and the mark goes away');
  await bob.raw.getByTestId('toggle-layout').click();
});

t.test('a tile on another grid page receives no video until its page is shown', async (t) => {
  const carol = await join('Carol');
  // Room for two tiles: Bob's own and one other. Silent microphones keep the arrival order: Alice first.
  await bob.raw.setViewportSize({ width: 360, height: 330 });
  await waitFor(async () => /1\D+2/.test((await bob.raw.getByTestId('pager-status').textContent()) ?? ''), {
    timeout: TIMEOUT,
    message: 'Bob: the grid has two pages',
  });
  const pausedOnServer = (from: Person) => cameraConsumer(bob, from).paused;

  await waitFor(() => pausedOnServer(carol) === true && pausedOnServer(alice) === false, {
    timeout: TIMEOUT,
    message: "Carol's camera (page 2) paused for Bob on the server, Alice's (page 1) flowing",
  });
  t.pass('page 1: Alice flows, Carol (off screen) is paused on the server');

  await bob.raw.getByTestId('pager-next').click();
  await waitFor(() => pausedOnServer(carol) === false && pausedOnServer(alice) === true, {
    timeout: TIMEOUT,
    message: 'after turning the page: Carol flowing, Alice paused',
  });
  // Carol's consumer was paused from the start, so Bob's stats have no entry for her until her first
  // packets arrive: wait for it rather than read it once.
  const { framesDecoded: before } = await waitFor(() => videoFrom(carol), {
    timeout: TIMEOUT,
    message: "Bob receives Carol's video on page 2",
  });
  await waitFor(async () => (await videoFrom(carol)).framesDecoded > before + 10, {
    timeout: TIMEOUT,
    message: "Bob decodes Carol's video on page 2",
  });
  t.pass('page 2: Carol decodes, Alice (now off screen) is paused');
});
