/**
 * Chat, hands and reactions through the real UI in headless Chromium: markup and links in a message
 * stay text (and safe links), the unread badge counts, a late joiner sees the history, a raised hand
 * and a reaction show on the others' tiles, and messages sent across P2P -> SFU -> P2P switches
 * arrive exactly once, in each sender's order, with the P2P data channel carrying copies while direct.
 * The chat panel scenario keeps its room on the SFU (P2P off, loopback); the P2P scenario runs on the
 * test network (helpers/network-call.ts), its pair's candidates asserted to be that network's.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { joinRoom, p2pInfoOf, waitForMode, type Person } from '../helpers/media-path.js';
import { expectPairOnTestNetwork, onTestNetwork } from '../helpers/network-call.js';
import { startServer } from '../helpers/server.js';
import { canCreateTestNetwork, createTestNetwork } from '../helpers/test-network.js';
import { waitFor } from '../helpers/wait.js';

// Two scenarios with up to three Chromium pages and two P2P round trips: longer than the default.
t.setTimeout(420_000);

const TIMEOUT = 45_000;
/** Going P2P needs ICE and DTLS between two pages: slow on a loaded machine. */
const P2P_TIMEOUT = 90_000;

interface ChatLine {
  key: string;
  sender: string;
  senderName: string;
  text: string;
  status: string;
  seq: number | null;
}

interface ChatHooks {
  chat(): ChatLine[];
  sendChat(text: string): boolean;
  raisedHands(): string[];
  chatPaths(): { copies: Record<string, number>; firstVia: Record<string, number> } | null;
  mode?: string;
}

type Hooked = { __shouwang?: ChatHooks };

const chatOf = (page: Page) => page.evaluate(() => (globalThis as Hooked).__shouwang?.chat() ?? []);
const pathsOf = (page: Page) => page.evaluate(() => (globalThis as Hooked).__shouwang?.chatPaths() ?? null);
const sendChat = (page: Page, text: string) => page.evaluate((line) => (globalThis as Hooked).__shouwang?.sendChat(line) ?? false, text);

const P2P_CONFIG = { switchBackDelayMs: 1500, connectTimeoutMs: 40_000, iceServerUrls: [], iceTransportPolicy: 'all' as const };
// The chat panel scenario needs no P2P (it would go direct while two are in the room): on the SFU.
const server = await startServer({ p2p: { ...P2P_CONFIG, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });

/** A page that fails the test if anything in it opens a dialog (an injected `alert` would). */
async function newPage(name: string, from: TestBrowser = browser): Promise<Page> {
  const page = await from.newPage(name);
  // Clicks and fills wait for a page that is busy decoding video on a loaded machine.
  page.setDefaultTimeout(TIMEOUT);
  page.on('dialog', (dialog) => {
    t.fail(`${name}: a dialog opened (${dialog.type()}: ${dialog.message()}) - message text was executed`);
    void dialog.dismiss();
  });
  return page;
}

async function typeLine(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

const tileOf = (page: Page, peerId: string) => page.locator(`[data-testid="tile"][data-peer-id="${peerId}"]`);

t.test('the chat panel: hostile text stays text, links are safe, unread count, late joiner history, hands, reactions', async (t) => {
  const room = 'chat-ui';
  const ada = await joinRoom(await newPage('Ada'), server.url, room, 'Ada', TIMEOUT);
  const bo = await joinRoom(await newPage('Bo'), server.url, room, 'Bo', TIMEOUT);

  const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
  const withLinks = 'docs: https://example.org/a?b=1&c=2. not a link: javascript:alert(3) (see http://example.com/x)';
  await ada.page.getByTestId('chat-toggle').click();
  await typeLine(ada.page, hostile);
  await typeLine(ada.page, withLinks);
  await waitFor(async () => (await chatOf(ada.page)).filter((line) => line.status === 'sent').length === 2, {
    timeout: TIMEOUT,
    message: "Ada's two lines confirmed by the server",
  });

  // Bo has the panel closed: the badge counts the two lines; opening the panel clears it.
  await waitFor(async () => (await bo.page.getByTestId('chat-unread').textContent())?.trim() === '2', {
    timeout: TIMEOUT,
    message: "Bo's unread badge shows 2",
  });
  await bo.page.getByTestId('chat-toggle').click();
  t.equal(await bo.page.getByTestId('chat-unread').count(), 0, 'opening the chat clears the badge');

  const panel = bo.page.getByTestId('chat-panel');
  const lines = panel.getByTestId('chat-message');
  await waitFor(async () => (await lines.count()) === 2, { timeout: TIMEOUT, message: 'Bo shows two lines' });
  t.equal(await lines.nth(0).getByTestId('chat-text').textContent(), hostile, 'the markup shows as its characters');
  t.equal(await panel.locator('img, script, iframe, object').count(), 0, 'no element was made from message text');
  t.equal(await lines.nth(0).getByTestId('chat-sender').textContent(), 'Ada', 'with the name of its sender');
  t.match(await lines.nth(0).locator('time').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/, 'and the time it was sent');
  t.equal(await lines.nth(1).getByTestId('chat-text').textContent(), withLinks, 'the text with links reads as typed');
  const links = await lines.nth(1).getByTestId('chat-link').evaluateAll((anchors) =>
    anchors.map((a) => ({ href: a.getAttribute('href'), text: a.textContent, rel: a.getAttribute('rel'), target: a.getAttribute('target') })),
  );
  t.same(
    links.map(({ href, text }) => ({ href, text })),
    [
      { href: 'https://example.org/a?b=1&c=2', text: 'https://example.org/a?b=1&c=2' },
      { href: 'http://example.com/x', text: 'http://example.com/x' },
    ],
    'only the http(s) URLs became links (the sentence dot and bracket stay outside)',
  );
  t.ok(links.every((link) => link.rel?.includes('noopener') && link.rel.includes('noreferrer') && link.target === '_blank'), 'links open apart, with rel="noopener noreferrer"');

  // A raised hand and a reaction show on the others' tiles.
  await ada.page.getByTestId('raise-hand').click();
  await waitFor(() => tileOf(bo.page, ada.peerId).getByTestId('tile-hand').isVisible(), { timeout: TIMEOUT, message: "Ada's hand on Bo's page" });
  await bo.page.getByTestId('reactions-button').click();
  await bo.page.locator('[data-testid="reaction-option"][data-emoji="🎉"]').click();
  await waitFor(async () => (await tileOf(ada.page, bo.peerId).getByTestId('tile-reaction').getAttribute('data-emoji')) === '🎉', {
    timeout: TIMEOUT,
    message: "Bo's 🎉 on his tile on Ada's page",
  });

  // Cy comes late: the history and Ada's hand are there at once.
  const cy = await joinRoom(await newPage('Cy'), server.url, room, 'Cy', TIMEOUT);
  await waitFor(async () => (await chatOf(cy.page)).length === 2, { timeout: TIMEOUT, message: 'Cy has the two lines of history' });
  const history = await chatOf(cy.page);
  t.same(history.map((line) => [line.senderName, line.text]), [['Ada', hostile], ['Ada', withLinks]], 'the late joiner sees the history, in order, with names');
  await waitFor(() => tileOf(cy.page, ada.peerId).getByTestId('tile-hand').isVisible(), { timeout: TIMEOUT, message: "Ada's hand on Cy's page" });
  await cy.page.getByTestId('chat-toggle').click();
  t.equal(await cy.page.getByTestId('chat-panel').getByTestId('chat-message').count(), 2, "Cy's panel shows them");

  await ada.page.getByTestId('raise-hand').click();
  for (const other of [bo, cy]) {
    await waitFor(async () => (await tileOf(other.page, ada.peerId).getByTestId('tile-hand').count()) === 0, {
      timeout: TIMEOUT,
      message: `Ada's hand comes down on ${other.page === bo.page ? "Bo's" : "Cy's"} page`,
    });
  }
  for (const person of [ada, bo, cy]) await person.page.context().close();
});

const possible = canCreateTestNetwork();
const skipP2P = possible.ok ? false : `cannot create the test network (P2P must stay off the machine's addresses): ${possible.reason}`;

t.test('messages across P2P -> SFU -> P2P arrive exactly once, in per-sender order', { skip: skipP2P }, async (t) => {
  const room = 'chat-p2p';
  await browser.close(); // the loopback browser is done: one Chromium at a time on a small machine
  const network = createTestNetwork(t);
  const p2pServer = await startServer({ ...onTestNetwork(network), p2p: { ...P2P_CONFIG, enabled: true } });
  t.teardown(() => p2pServer.close());
  const p2pBrowser = await launchBrowser(t, { fakeMedia: 'file', network });
  const dee = await joinRoom(await newPage('Dee', p2pBrowser), p2pServer.url, room, 'Dee', TIMEOUT);
  const eve = await joinRoom(await newPage('Eve', p2pBrowser), p2pServer.url, room, 'Eve', TIMEOUT);
  const pair = [dee, eve];
  const hasCoordinator = await dee.page.evaluate(() => typeof (globalThis as Hooked).__shouwang?.mode === 'string');
  if (!hasCoordinator) {
    t.skip('the P2P media coordinator is absent from the client (no window.__shouwang.mode): nothing to switch', () => undefined);
    return;
  }
  const sent = new Map<Person, string[]>(pair.map((person) => [person, []]));
  async function burst(phase: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      for (const person of pair) {
        const text = `${person === dee ? 'Dee' : 'Eve'} ${phase} ${i}`;
        t.ok(await sendChat(person.page, text), `${text}: sent`, { diagnostic: false });
        sent.get(person)!.push(text);
      }
    }
  }

  await waitForMode(pair, 'p2p', P2P_TIMEOUT);
  for (const person of pair) expectPairOnTestNetwork(t, person === dee ? 'Dee' : 'Eve', (await p2pInfoOf(person.page))?.selectedPair, network);
  await burst('p2p', 4);
  await waitFor(async () => ((await pathsOf(eve.page))?.copies.peer ?? 0) >= 4, { timeout: TIMEOUT, message: "Eve got Dee's lines over the P2P channel" });

  // Fay joins: the pair goes back to the SFU; lines are sent while the switch is under way.
  const fayPage = await newPage('Fay', p2pBrowser);
  const fayJoining = joinRoom(fayPage, p2pServer.url, room, 'Fay', TIMEOUT);
  await burst('to-sfu', 4);
  const fay = await fayJoining;
  await burst('joining', 2);
  await waitForMode([...pair, fay], 'sfu', TIMEOUT);
  await burst('sfu', 2);

  // Fay leaves: after the switch-back delay the pair is direct again; lines keep going meanwhile.
  await fay.page.context().close();
  await burst('to-p2p', 4);
  await waitForMode(pair, 'p2p', P2P_TIMEOUT);
  await burst('p2p-again', 2);

  const total = [...sent.values()].reduce((n, lines) => n + lines.length, 0);
  for (const person of pair) {
    const name = person === dee ? 'Dee' : 'Eve';
    const lines = await waitFor(
      async () => {
        const now = await chatOf(person.page);
        return now.length >= total && now.every((line) => line.status === 'sent') ? now : null;
      },
      { timeout: TIMEOUT, message: `${name}: all ${total} lines shown and confirmed` },
    );
    t.equal(lines.length, total, `${name} shows exactly ${total} lines`);
    t.equal(new Set(lines.map((line) => line.key)).size, total, `${name}: none twice`);
    for (const sender of pair) {
      t.same(
        lines.filter((line) => line.sender === sender.peerId).map((line) => line.text),
        sent.get(sender),
        `${name} has ${sender === dee ? "Dee's" : "Eve's"} lines once each, in order`,
      );
    }
    const paths = await pathsOf(person.page);
    t.comment(`${name}: copies received ${JSON.stringify(paths?.copies)}; first copy of each line via ${JSON.stringify(paths?.firstVia)}`);
    t.ok((paths?.copies.peer ?? 0) > 0 && (paths?.copies.relay ?? 0) > 0, `${name} received copies over both the P2P channel and the SFU relay`);
  }
  for (const person of pair) await person.page.context().close();
});
