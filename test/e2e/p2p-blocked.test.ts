/**
 * P2P cannot connect: the server hands out no TURN server but asks for relay-only ICE
 * (P2P_ICE_TRANSPORT_POLICY=relay), so the browsers have no candidate to offer each other. The pair
 * must stay on the SFU with media flowing, the attempt must end on the connect timeout, and the reason
 * must show in the debug view. It is not retried while the room's membership stays the same.
 * On the test network (helpers/network-call.ts), so that a candidate the browsers might still try
 * stays off the machine's addresses.
 */
import t from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import { joinRoom, mediaPathOf, modeOf, pathStatsOf, serverProducers, type Person } from '../helpers/media-path.js';
import { onTestNetwork, testNetworkOrSkipFile } from '../helpers/network-call.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'p2p-blocked';
const TIMEOUT = 40_000;

// Several browsers on a shared 2-core machine: far slower than tap's per-file default when it is busy.
t.setTimeout(420_000);

const network = testNetworkOrSkipFile(t);
const server = await startServer({
  ...onTestNetwork(network),
  p2p: { enabled: true, switchBackDelayMs: 1000, connectTimeoutMs: 3000, iceServerUrls: [], iceTransportPolicy: 'relay' },
});
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file', network });

const alice = await joinRoom(await browser.newPage('Alice'), server.url, ROOM, 'Alice');
const bob = await joinRoom(await browser.newPage('Bob'), server.url, ROOM, 'Bob');
const pair = [alice, bob];
const other = (person: Person) => (person === alice ? bob : alice);

async function sfuVideoFrames(to: Person, from: Person): Promise<number> {
  const stats = await pathStatsOf(to.page);
  const video = stats.inbound.filter((s) => s.peerId === from.peerId && s.kind === 'video');
  if (video.some((s) => s.path === 'p2p' && s.shown)) throw new Error(`${to.name} shows ${from.name} from P2P`);
  return video.filter((s) => s.path === 'sfu').reduce((n, s) => n + (s.framesDecoded ?? 0), 0);
}

t.test('the P2P attempt times out and both stay on the SFU, media flowing', async (t) => {
  for (const person of pair) {
    const path = await waitFor(
      async () => {
        const current = await mediaPathOf(person.page);
        return current?.mode === 'sfu' && current.lastEnd ? current : null;
      },
      { timeout: TIMEOUT, message: `${person.name}: a P2P attempt that ended, back on the SFU` },
    );
    t.ok(path.history.some((entry) => entry.event === 'p2p-connecting'), `${person.name}: P2P was tried`);
    t.notOk(path.history.some((entry) => entry.event === 'p2p-active'), `${person.name}: P2P never became the path`);
    t.equal(path.lastEnd?.reason, 'connect-timeout', `${person.name}: the attempt ended on the connect timeout`);
  }
  for (const to of pair) {
    const from = other(to);
    const first = await waitFor(() => sfuVideoFrames(to, from), { timeout: TIMEOUT, message: `${to.name} decodes ${from.name} from the SFU` });
    await waitFor(async () => (await sfuVideoFrames(to, from)) > first + 10, {
      timeout: TIMEOUT,
      message: `${to.name}: ${from.name}'s SFU frames keep rising`,
    });
  }
  t.pass('both decode each other through the SFU');
  t.ok(serverProducers(server.app, ROOM).every((p) => !p.paused), 'no SFU producer is paused');
  const room = server.app.rooms.rooms.get(ROOM);
  t.equal(room?.mediaMode, 'sfu');
  t.equal(room?.p2p.phase, 'idle', 'the failed pair is not retried');
  t.equal(await modeOf(alice.page), 'sfu');
});

t.test('the debug view says why the pair is on the SFU', async (t) => {
  const page = alice.page;
  await page.getByTestId('media-path-toggle').click();
  const panel = page.getByTestId('media-path-panel');
  await waitFor(() => panel.isVisible(), { message: 'the media path panel opens' });
  t.equal(await page.getByTestId('media-path-last-end').getAttribute('data-reason'), 'connect-timeout');
  t.match(await page.getByTestId('media-path-last-end').textContent(), /did not come up in time/, 'the reason in words');
  t.match(await page.getByTestId('media-path-mode').textContent(), /SFU/);
});
