/**
 * Firefox and Chromium in one call: each decodes the other's video and plays the other's audio, through
 * the SFU and directly (a two-person P2P call), through the real UI and the real server, asserted on
 * WebRTC stats (window.__shouwang.stats()) and, for P2P, on the selected ICE candidate pair. Chat lines
 * in several scripts go both ways in each scenario (through the server, then over the P2P data channel).
 *
 * Network: Firefox never uses 127.0.0.1 for WebRTC (no loopback candidate, and it will not pair a
 * non-loopback local address with a loopback remote), so the server cannot announce loopback here, and
 * tests must not send traffic to the machine's real interfaces. The test builds a private network that
 * exists only on this machine: a veth pair whose far end lives in a network namespace it creates
 * (helpers/test-network.ts). The server binds to and announces the near end (10.213.a.1); Firefox may
 * use only that link; Chromium runs inside the namespace (10.213.a.2). Both are deleted in teardown.
 *
 * Scenarios are written against `CallPage`, so a new one is a new subtest with the same helpers.
 */
import t, { type Test } from 'tap';
import type { AddressInfo } from 'node:net';
import { launchBrowser } from '../helpers/browser.js';
import { chromiumCallPage, firefoxCallPage, isVisible, type CallPage } from '../helpers/call-page.js';
import { everyPair, expectMediaFlowing, joinRoom, type Participant } from '../helpers/call-flow.js';
import { launchFirefox } from '../helpers/firefox.js';
import { startServer } from '../helpers/server.js';
import { canCreateTestNetwork, createTestNetwork, secureOriginArgs, secureOriginPrefs } from '../helpers/test-network.js';
import { waitFor } from '../helpers/wait.js';

// Browsers on a shared 2-core machine: far slower than tap's per-file default.
t.setTimeout(420_000);

const TIMEOUT = 45_000;

interface SelectedPair {
  local: { address: string };
  remote: { address: string };
}

/** `window.__shouwang.mode`: which path media takes now. */
function modeOf(page: CallPage): Promise<string> {
  return page.evaluate(() => (globalThis as { __shouwang?: { mode?: string } }).__shouwang?.mode ?? 'none', null);
}

function selectedPairOf(page: CallPage): Promise<SelectedPair | null> {
  return page.evaluate(async () => {
    const hooks = (globalThis as { __shouwang?: { p2pInfo?: () => Promise<{ selectedPair: SelectedPair | null } | null> } }).__shouwang;
    return (await hooks?.p2pInfo?.())?.selectedPair ?? null;
  }, null);
}

/** Opens the chat panel, sends `text` with the Send button and waits for the input to clear. */
async function sendChat(page: CallPage, text: string): Promise<void> {
  if (!(await isVisible(page, 'chat-panel'))) await page.click('chat-toggle');
  await waitFor(() => isVisible(page, 'chat-input'), { message: `${page.label}: the chat input` });
  await page.fill('chat-input', text);
  await page.click('chat-send');
}

/** The text of every chat line the page shows, in order. */
function chatTextsOf(page: CallPage): Promise<string[]> {
  return page.evaluate(
    () => Array.from(document.querySelectorAll('[data-testid="chat-panel"] [data-testid="chat-text"]'), (line) => line.textContent ?? ''),
    null,
  );
}

/** Each side sends a line in several scripts; the other shows it exactly, whichever engine sent it. */
async function expectChatBothWays(t: Test, a: Participant, b: Participant, how: string): Promise<void> {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const text = `${how}: 你好 from ${from.page.engine} 👋🏽 مرحبا <b>not bold</b>`;
    await sendChat(from.page, text);
    if (!(await isVisible(to.page, 'chat-panel'))) await to.page.click('chat-toggle');
    await waitFor(async () => (await chatTextsOf(to.page)).includes(text), {
      timeout: TIMEOUT,
      message: `${to.page.label}: the chat line from ${from.page.label}`,
    });
    t.pass(`${from.page.engine} -> ${to.page.engine} chat (${how}) arrives exactly as typed`);
  }
}

const possible = canCreateTestNetwork();
if (!possible.ok) {
  t.plan(0, `cannot create the test network: ${possible.reason}`);
} else {
  const network = createTestNetwork(t);
  const onTestNetwork = { host: network.hostIp, announcedIp: network.hostIp, rtcListenIp: network.hostIp };
  const p2p = { switchBackDelayMs: 500, connectTimeoutMs: 20_000, iceServerUrls: [], iceTransportPolicy: 'all' as const };
  // Two servers, so each scenario needs only two pages (the machine is small): one that keeps every
  // room on the SFU, one that takes two-person rooms peer to peer.
  const sfuServer = await startServer({ ...onTestNetwork, p2p: { ...p2p, enabled: false } });
  t.teardown(() => sfuServer.close());
  const p2pServer = await startServer({ ...onTestNetwork, p2p: { ...p2p, enabled: true } });
  t.teardown(() => p2pServer.close());
  const originOf = (server: typeof sfuServer) => `http://${network.hostIp}:${(server.app.server.address() as AddressInfo).port}`;
  const sfuOrigin = originOf(sfuServer);
  const p2pOrigin = originOf(p2pServer);
  t.comment(`servers and media on ${network.hostIp} (link ${network.hostInterface}); Chromium in namespace ${network.namespace} at ${network.namespaceIp}`);

  const firefox = await launchFirefox(t, { iceInterface: network.hostInterface, prefs: secureOriginPrefs(network.hostIp) });
  const chromium = await launchBrowser(t, {
    fakeMedia: 'file',
    executablePath: network.chromiumInNamespace,
    args: secureOriginArgs(`${sfuOrigin},${p2pOrigin}`),
  });
  const firefoxPage = async (label: string): Promise<CallPage> => firefoxCallPage(label, await firefox.newPage(label));
  const chromiumPage = async (label: string): Promise<CallPage> => chromiumCallPage(label, await chromium.newPage(label));

  /** Runs a scenario with fresh pages and always closes them, so a failure does not load the next one. */
  const withPages = async (pages: Array<Promise<CallPage>>, scenario: (pages: CallPage[]) => Promise<void>) => {
    const opened = await Promise.all(pages);
    try {
      await scenario(opened);
    } finally {
      await Promise.all(opened.map((page) => page.close()));
    }
  };

  t.test('SFU: a Firefox page and a Chromium page decode each other through the server', async (t) => {
    await withPages([firefoxPage('Firefox SFU'), chromiumPage('Chromium SFU')], async (pages) => {
      const people = await Promise.all([joinRoom(pages[0]!, sfuOrigin, 'mixed-sfu', 'Fang'), joinRoom(pages[1]!, sfuOrigin, 'mixed-sfu', 'Chris')]);
      const counters = await expectMediaFlowing(everyPair(people), 'Firefox <-> Chromium SFU', { path: 'sfu' });
      t.pass('video and audio decoded both ways through the SFU, across both engines');
      t.comment(JSON.stringify(counters, null, 1));
      await expectChatBothWays(t, people[0], people[1], 'SFU');
    });
  });

  t.test('P2P: a Firefox page and a Chromium page call each other directly', async (t) => {
    const room = 'mixed-p2p';
    await withPages([firefoxPage('Firefox P2P'), chromiumPage('Chromium P2P')], async (pages) => {
      const people = await Promise.all([joinRoom(pages[0]!, p2pOrigin, room, 'Fang'), joinRoom(pages[1]!, p2pOrigin, room, 'Chris')]);
      for (const person of people) {
        await waitFor(async () => (await modeOf(person.page)) === 'p2p', { timeout: TIMEOUT, message: `${person.page.label}: media path p2p` });
      }
      t.pass('both pages switched to P2P');
      const counters = await expectMediaFlowing(everyPair(people), 'Firefox <-> Chromium P2P', { path: 'p2p' });
      t.pass('video and audio decoded both ways over the direct connection');
      t.comment(JSON.stringify(counters, null, 1));
      const [firefoxSide, chromiumSide] = people as [Participant, Participant];
      const pair = await waitFor(() => selectedPairOf(firefoxSide.page), { message: 'Firefox: the selected candidate pair' });
      t.same(
        [pair.local.address, pair.remote.address],
        [network.hostIp, network.namespaceIp],
        'Firefox talks to Chromium straight across the test network (not through the server)',
      );
      const chromiumPair = await waitFor(() => selectedPairOf(chromiumSide.page), { message: 'Chromium: the selected candidate pair' });
      t.same([chromiumPair.local.address, chromiumPair.remote.address], [network.namespaceIp, network.hostIp], 'and Chromium to Firefox');
      await expectChatBothWays(t, firefoxSide, chromiumSide, 'P2P');
    });
  });
}
