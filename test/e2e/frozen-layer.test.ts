/**
 * A sender's browser stops the simulcast layers a receiver is on (Chromium does so by itself when its
 * uplink estimate or its CPU falls): the receiving client sees its frames stop and asks the server for
 * the lowest layer at once, instead of leaving the picture frozen until mediasoup's inactivity check
 * (1.5 s without packets on a layer) notices; the video plays again on the lowest layer, and the
 * fitting layer is asked for again later. Real Chromium pages through the SFU (P2P off); Alice's
 * layers are stopped the way the browser stops them, on her RTCRtpSender, behind the app's back.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { RESTORE_AFTER_MS } from '../../client/src/media/frozen-layer.js';
import { loadConfig } from '../../server/config.js';
import { launchBrowser } from '../helpers/browser.js';
import { joinRoom } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { statsOf } from '../helpers/client-hooks.js';
import { outageAfter, pageNow } from '../helpers/media-outage.js';
import { recordPeerConnections } from '../helpers/selected-pairs.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

t.setTimeout(240_000);
const ROOM = 'frozen-layer';
const TIMEOUT = 60_000;

const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'builtin', fakeAudio: 'silence' });

const aliceRaw = await browser.newPage('Alice');
await recordPeerConnections(aliceRaw);
const alice = await joinRoom(chromiumCallPage('Alice', aliceRaw), server.url, ROOM, 'Alice', { timeout: 90_000 });
const bobRaw = await browser.newPage('Bob');
// Bob only watches: his camera would cost the shared CPU for nothing here.
const bob = await joinRoom(chromiumCallPage('Bob', bobRaw), server.url, ROOM, 'Bob', { timeout: 90_000, cameraOff: true });

/** Bob's consumer of Alice's camera, on the server. */
function bobsConsumer() {
  const consumers = server.app.rooms.rooms.get(ROOM)?.peers.get(bob.peerId)?.consumers.values() ?? [];
  const consumer = [...consumers].find((c) => c.kind === 'video' && !c.closed);
  if (!consumer) throw new Error("Bob has no video consumer of Alice's camera on the server");
  return consumer;
}

async function videoFromAlice(page: Page): Promise<{ framesDecoded: number; frameWidth: number }> {
  const video = (await statsOf(page)).inbound.find((s) => s.peerId === alice.peerId && s.kind === 'video' && s.source === 'camera');
  if (!video) throw new Error("Bob has no inbound video from Alice's camera");
  return { framesDecoded: video.framesDecoded ?? 0, frameWidth: video.frameWidth ?? 0 };
}

async function framesKeepComing(what: string): Promise<number> {
  const before = (await waitFor(() => videoFromAlice(bobRaw), { timeout: TIMEOUT, message: "Bob to receive Alice's camera" })).framesDecoded;
  const after = await waitFor(
    async () => {
      const now = await videoFromAlice(bobRaw);
      if (now.framesDecoded < before + 10) throw new Error(`${now.framesDecoded - before} frames`);
      return now;
    },
    { timeout: TIMEOUT, message: `Bob <- Alice: frames keep decoding ${what}` },
  );
  return after.frameWidth;
}

/** Turns Alice's camera encodings above the lowest on or off, on the RTCRtpSender itself. */
function setUpperLayers(active: boolean): Promise<number> {
  return aliceRaw.evaluate(async (on) => {
    let changed = 0;
    for (const connection of (globalThis as { __testPeerConnections?: RTCPeerConnection[] }).__testPeerConnections ?? []) {
      if (connection.connectionState === 'closed') continue;
      for (const sender of connection.getSenders()) {
        const parameters = sender.getParameters();
        if (sender.track?.kind !== 'video' || parameters.encodings.length < 3) continue;
        parameters.encodings.forEach((encoding, index) => {
          if (index > 0) encoding.active = on;
        });
        await sender.setParameters(parameters);
        changed++;
      }
    }
    return changed;
  }, active);
}

t.test('a receiver whose layer stopped asks for the lowest at once, then for the fitting one again', async (t) => {
  await waitFor(() => (bobsConsumer().currentLayers?.spatialLayer ?? 0) > 0, { timeout: TIMEOUT, message: 'Bob to receive a layer above the lowest' });
  const width = await framesKeepComing('on the upper layer');
  t.ok(width > 320, `Bob decodes Alice at ${width} px wide`);
  // Read once the tile's own request is in (mediasoup's default before it is the top layer).
  const fitting = bobsConsumer().preferredLayers?.spatialLayer ?? 0;
  t.ok(fitting > 0, `Bob's tile asks for layer ${fitting}`);

  const cutAt = await pageNow(bobRaw);
  t.equal(await setUpperLayers(false), 1, "Alice's browser stops her upper layers");
  await waitFor(() => bobsConsumer().preferredLayers?.spatialLayer === 0, {
    timeout: RESTORE_AFTER_MS,
    message: "Bob's client to ask for the lowest layer once Alice's picture froze",
  });
  t.pass("Bob's client asked for the lowest layer");
  const askedAfter = (await pageNow(bobRaw)) - cutAt;
  const lowWidth = await framesKeepComing('on the lowest layer');
  t.equal(lowWidth, 320, 'Bob sees Alice again, on the lowest layer (320 px wide)');
  t.comment(
    `Alice's tile on Bob's page froze for ${Math.round((await outageAfter(bobRaw, alice.peerId, cutAt)) ?? Number.NaN)} ms after her upper layers stopped ` +
      `(the server had Bob's request for the lowest layer within ${Math.round(askedAfter)} ms)`,
  );

  t.equal(await setUpperLayers(true), 1, "Alice's browser sends her upper layers again");
  await waitFor(() => bobsConsumer().preferredLayers?.spatialLayer === fitting, {
    timeout: RESTORE_AFTER_MS + TIMEOUT,
    message: "Bob's client to ask for the fitting layer again",
  });
  await waitFor(async () => (await videoFromAlice(bobRaw)).frameWidth > 320, { timeout: TIMEOUT, message: 'Bob to receive an upper layer again' });
  t.ok((await framesKeepComing('back on an upper layer')) > 320, 'Bob sees Alice at her fitting size again');
});
