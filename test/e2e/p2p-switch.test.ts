/**
 * Two people go peer-to-peer, a third joins (everyone on the SFU, the pair's RTCPeerConnection closes),
 * the third leaves (the pair goes P2P again after the switch-back delay), in headless Chromium, asserted
 * on getStats() and on the server's own objects. The longest gap between frames a tile put on screen
 * across each switch is printed (the benchmark in bench/p2p-switch.ts measures it properly).
 * Chromium and the server run on the test network (helpers/network-call.ts): the pair's candidates are
 * asserted to be its addresses, never the machine's.
 */
import t from 'tap';
import type { Test } from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import {
  frameTimesOf,
  joinRoom,
  longestGap,
  p2pInfoOf,
  pageNow,
  pathStatsOf,
  serverProducers,
  serverRtpBytesReceived,
  waitForMode,
  type Person,
} from '../helpers/media-path.js';
import { expectPairOnTestNetwork, onTestNetwork, testNetworkOrSkipFile } from '../helpers/network-call.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'p2p-switch';
const SWITCH_BACK_DELAY_MS = 1500;
const TIMEOUT = 60_000;

// Several browsers on a shared 2-core machine: far slower than tap's per-file default when it is busy.
t.setTimeout(420_000);

const network = testNetworkOrSkipFile(t);
const server = await startServer({
  ...onTestNetwork(network),
  p2p: { enabled: true, switchBackDelayMs: SWITCH_BACK_DELAY_MS, connectTimeoutMs: 60_000, iceServerUrls: [], iceTransportPolicy: 'all' },
});
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file', network });

/** The ports the server's media (WebRtcServer) listens on: P2P media must not go there. */
const serverMediaPorts = new Set<number>();
for (const slot of server.app.media.slots) {
  const dump = (await slot.webRtcServer.dump()) as { udpSockets?: { port: number }[]; tcpServers?: { port: number }[] };
  for (const socket of [...(dump.udpSockets ?? []), ...(dump.tcpServers ?? [])]) serverMediaPorts.add(socket.port);
}

const alice = await joinRoom(await browser.newPage('Alice'), server.url, ROOM, 'Alice');
const bob = await joinRoom(await browser.newPage('Bob'), server.url, ROOM, 'Bob');
const pair = [alice, bob];
const other = (person: Person) => (person === alice ? bob : alice);

/** Video frames decoded from `from` on `to`'s page, per path, and which path is shown. */
async function videoFrom(to: Person, from: Person) {
  const stats = await pathStatsOf(to.page);
  const video = stats.inbound.filter((s) => s.peerId === from.peerId && s.kind === 'video');
  const on = (path: 'sfu' | 'p2p') => video.filter((s) => s.path === path);
  return {
    sfu: on('sfu').reduce((n, s) => n + (s.framesDecoded ?? 0), 0),
    p2p: on('p2p').reduce((n, s) => n + (s.framesDecoded ?? 0), 0),
    shown: video.find((s) => s.shown)?.path ?? null,
  };
}

/** Waits until `to` shows `from`'s video from `path` and frames keep being decoded there. */
async function expectDecoding(to: Person, from: Person, path: 'sfu' | 'p2p'): Promise<void> {
  const first = await waitFor(
    async () => {
      const now = await videoFrom(to, from);
      if (now.shown !== path) throw new Error(`${to.name} shows ${from.name}'s video from ${now.shown}`);
      return now;
    },
    { timeout: TIMEOUT, message: `${to.name} to show ${from.name}'s video from ${path}` },
  );
  await waitFor(async () => (await videoFrom(to, from))[path] > first[path] + 10, {
    timeout: TIMEOUT,
    message: `${to.name}: frames of ${from.name} decoded on ${path} keep rising (from ${first[path]})`,
  });
}

/**
 * Prints the longest gap between frames shown on each tile since `since` (timing is for the benchmark;
 * here it is information), and checks the tile kept putting frames on screen after the switch.
 */
async function reportGaps(t: Test, what: string, since: Map<Person, number>): Promise<void> {
  for (const person of pair) {
    const from = since.get(person) ?? 0;
    const times = await frameTimesOf(person.page, other(person).peerId, from);
    const gap = longestGap(times);
    t.comment(`${what}: ${person.name}'s tile of ${other(person).name}: ${times.length} frames, longest gap ${gap.toFixed(0)} ms`);
    const later = await pageNow(person.page);
    await waitFor(async () => (await frameTimesOf(person.page, other(person).peerId, later)).length >= 2, {
      timeout: TIMEOUT,
      message: `${what}: ${person.name}'s tile of ${other(person).name} still puts new frames on screen`,
    });
  }
}

async function marks(people: Person[]): Promise<Map<Person, number>> {
  return new Map(await Promise.all(people.map(async (person) => [person, await pageNow(person.page)] as const)));
}

t.test('two people: media goes directly between the browsers, and the server carries none', async (t) => {
  await waitForMode(pair, 'p2p', TIMEOUT);
  const [infoA, infoB] = await Promise.all([p2pInfoOf(alice.page), p2pInfoOf(bob.page)]);
  t.equal(infoA?.connectionState, 'connected', "Alice's P2P connection is connected");
  t.equal(infoB?.connectionState, 'connected', "Bob's P2P connection is connected");
  t.equal(infoA?.peerId, bob.peerId, 'Alice is paired with Bob');
  t.same([infoA?.role, infoB?.role].sort(), ['answerer', 'offerer'], 'one offerer, one answerer');
  const pairA = infoA?.selectedPair;
  const pairB = infoB?.selectedPair;
  t.ok(pairA && pairB, 'both have a selected candidate pair');
  t.comment(`selected pair: ${pairA?.local.address}:${pairA?.local.port} (${pairA?.local.candidateType}) <-> ${pairA?.remote.address}:${pairA?.remote.port} (${pairA?.remote.candidateType})`);
  t.same(
    { address: pairA?.remote.address, port: pairA?.remote.port },
    { address: pairB?.local.address, port: pairB?.local.port },
    "the address Alice sends to is Bob's own socket",
  );
  t.same(
    { address: pairB?.remote.address, port: pairB?.remote.port },
    { address: pairA?.local.address, port: pairA?.local.port },
    "the address Bob sends to is Alice's own socket",
  );
  t.notOk(serverMediaPorts.has(pairA?.remote.port ?? -1) || serverMediaPorts.has(pairB?.remote.port ?? -1), 'not the server RTC port');
  t.not(pairA?.remote.candidateType, 'relay', 'no TURN relay involved');
  expectPairOnTestNetwork(t, 'Alice', pairA, network);
  expectPairOnTestNetwork(t, 'Bob', pairB, network);

  for (const person of pair) await expectDecoding(person, other(person), 'p2p');
  t.pass('both decode each other over P2P');

  const room = server.app.rooms.rooms.get(ROOM);
  t.equal(room?.mediaMode, 'p2p', 'the room reports P2P (Room.mediaMode)');
  await waitFor(() => serverProducers(server.app, ROOM).every((p) => p.paused), { message: 'every SFU producer paused' });
  t.equal(serverProducers(server.app, ROOM).length, 4, 'mic and camera of both stay on the server, paused');
  const before = await serverRtpBytesReceived(server.app, ROOM);
  const startedAt = Date.now();
  // Over a window of a second and a half (a camera sends ~30 packets in that time): nothing arrives.
  const after = await waitFor(async () => (Date.now() - startedAt >= 1500 ? serverRtpBytesReceived(server.app, ROOM) : null), {
    message: '1.5 s to pass',
  });
  t.equal(after, before, `the server received no RTP while the pair is P2P (${before} bytes before, ${after} after)`);

  // The switch from the SFU (the first frames) to P2P happened within this window.
  const firstFrames = new Map<Person, number>();
  for (const person of pair) firstFrames.set(person, ((await frameTimesOf(person.page, other(person).peerId))[0] ?? 0) + 500);
  await reportGaps(t, 'SFU -> P2P (first switch)', firstFrames);
});

const carolPage = await browser.newPage('Carol');
let carol: Person;

t.test('a third person joins: everyone decodes from the SFU and the pair closes its P2P connection', async (t) => {
  const since = await marks(pair);
  carol = await joinRoom(carolPage, server.url, ROOM, 'Carol');
  const everyone = [alice, bob, carol];
  await waitForMode(everyone, 'sfu', TIMEOUT);
  for (const person of pair) {
    t.equal(await p2pInfoOf(person.page), null, `${person.name}'s RTCPeerConnection is closed`);
  }
  for (const to of everyone) {
    for (const from of everyone) if (from !== to) await expectDecoding(to, from, 'sfu');
  }
  t.pass('6 video streams decoded from the SFU');
  await waitFor(() => serverProducers(server.app, ROOM).every((p) => !p.paused), { message: 'every producer resumed' });
  t.equal(server.app.rooms.rooms.get(ROOM)?.mediaMode, 'sfu');
  await reportGaps(t, 'P2P -> SFU (third joined)', since);
});

t.test('the third leaves: the pair goes P2P again after the switch-back delay', async (t) => {
  const since = await marks(pair);
  await carolPage.getByTestId('leave-button').click();
  await waitFor(async () => (await Promise.all(pair.map((p) => p.page.evaluate(() => document.querySelectorAll('[data-testid="tile"]').length)))).every((n) => n === 2), {
    timeout: TIMEOUT,
    message: "Carol's tile gone for Alice and Bob",
  });
  await waitForMode(pair, 'p2p', TIMEOUT + SWITCH_BACK_DELAY_MS);
  for (const person of pair) await expectDecoding(person, other(person), 'p2p');
  t.pass('back on P2P, decoding');
  for (const person of pair) expectPairOnTestNetwork(t, person.name, (await p2pInfoOf(person.page))?.selectedPair, network);
  await waitFor(() => serverProducers(server.app, ROOM).every((p) => p.paused), { message: 'SFU producers paused again' });
  await reportGaps(t, 'SFU -> P2P (third left)', since);
});
