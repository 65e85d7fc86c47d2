/**
 * Names in any script, as others see them: Chinese, Arabic (right to left) and emoji sequences render
 * exactly as typed, read in their own direction without flipping the caption, abbreviate to a whole
 * character, and markup in a name is shown as text, never run. A screenshot for review goes to
 * .tap/screenshots/ (with Debian's Noto CJK and color emoji fonts installed by setup --test).
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../server/config.js';
import { launchBrowser } from '../helpers/browser.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { joinRoom, type Participant } from '../helpers/call-flow.js';
import { screenshotPath } from '../helpers/screenshots.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

// Browsers on a shared 2-core machine: far slower than tap's per-file default.
t.setTimeout(300_000);

const ROOM = 'names';
const MAX_NAME = 64;
const NAMES = {
  chinese: '王小明',
  // Right to left, with markup that would run a script if the name were ever parsed as HTML.
  arabic: 'سارة <img src=x onerror="window.__pwned=1">',
  // One character built from five code points (woman, skin tone, ZWJ, laptop), then Latin and markup.
  emoji: '👩🏽‍💻 Zoë {@html "<b>x</b>"} <script>window.__pwned=2</script>',
};

// P2P off: while the three join, two of them would go direct for a moment, over the machine's own
// addresses (Chromium has no loopback candidates); names look the same on either path.
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });

const people: Record<keyof typeof NAMES, Participant & { raw: Page }> = Object.fromEntries(
  await Promise.all(
    (Object.keys(NAMES) as Array<keyof typeof NAMES>).map(async (key) => {
      const raw = await browser.newPage(key);
      if (key === 'emoji') {
        // Camera off before joining: the others see the avatar initial instead of video.
        await raw.goto(`${server.url}/r/${ROOM}`);
        await waitFor(() => raw.getByTestId('prejoin-toggle-camera').isEnabled(), { timeout: 30_000, message: 'camera toggle' });
        await raw.getByTestId('prejoin-toggle-camera').click();
        await raw.getByTestId('name-input').fill(NAMES[key]);
        await raw.getByTestId('join-button').click();
        const peerId = await waitFor(() => raw.evaluate(() => (globalThis as { __shouwang?: { peerId: string | null } }).__shouwang?.peerId), {
          timeout: 45_000,
          message: 'emoji: to join',
        });
        return [key, { name: NAMES[key], page: chromiumCallPage(key, raw), peerId, raw }];
      }
      const person = await joinRoom(chromiumCallPage(key, raw), server.url, ROOM, NAMES[key]);
      return [key, { ...person, raw }];
    }),
  ),
);

interface ShownName {
  text: string;
  dir: string | null;
  direction: string;
  initial: string | null;
}

async function namesShownOn(page: Page): Promise<Record<string, ShownName>> {
  return page.evaluate(() => {
    const shown: Record<string, ShownName> = {};
    for (const tile of document.querySelectorAll<HTMLElement>('[data-testid="tile"][data-local="false"]')) {
      const name = tile.querySelector<HTMLElement>('[data-testid="tile-name"]');
      if (!name) continue;
      shown[tile.dataset.peerId ?? '?'] = {
        text: name.textContent ?? '',
        dir: name.getAttribute('dir'),
        direction: getComputedStyle(name).direction,
        initial: tile.querySelector('[data-testid="tile-avatar"]')?.textContent ?? null,
      };
    }
    return shown;
  });
}

t.test('every name shows exactly as typed, in its own direction, on every page', async (t) => {
  const all = Object.values(people);
  for (const viewer of all) {
    const others = all.filter((p) => p !== viewer);
    const shown = await waitFor(
      async () => {
        const names = await namesShownOn(viewer.raw);
        const missing = others.filter((p) => names[p.peerId]?.text !== p.name);
        if (missing.length > 0) throw new Error(`not shown yet: ${missing.map((p) => p.page.label).join(', ')}; shown ${JSON.stringify(names)}`);
        return names;
      },
      { timeout: 30_000, message: `${viewer.page.label}: the others' names` },
    );
    for (const other of others) {
      const name = shown[other.peerId]!;
      t.equal(name.text, other.name, `${viewer.page.label} sees ${other.page.label}'s name exactly`);
      t.equal(name.dir, 'auto', `${viewer.page.label}: ${other.page.label}'s name has dir="auto"`);
      t.equal(name.direction, other === people.arabic ? 'rtl' : 'ltr', `${other.page.label}'s name reads ${other === people.arabic ? 'right to left' : 'left to right'}`);
    }
    if (viewer !== people.emoji) {
      await waitFor(async () => (await namesShownOn(viewer.raw))[people.emoji.peerId]?.initial === '👩🏽‍💻', {
        timeout: 30_000,
        message: `${viewer.page.label}: the emoji person's avatar initial is the whole emoji 👩🏽‍💻`,
      });
    }
  }
  t.pass("avatar initial is the whole emoji sequence (not half of a surrogate pair)");
});

t.test('markup in names is shown as text and never runs', async (t) => {
  for (const viewer of Object.values(people)) {
    const injected = await viewer.raw.evaluate(() => ({
      pwned: (globalThis as { __pwned?: number }).__pwned ?? null,
      images: document.querySelectorAll('[data-testid="tile"] img').length,
      scripts: document.querySelectorAll('[data-testid="tile"] script, [data-testid="tile"] b').length,
    }));
    t.same(injected, { pwned: null, images: 0, scripts: 0 }, `${viewer.page.label}: no element created from a name, no script ran`);
  }
  await people.chinese.raw.screenshot({ path: screenshotPath('names-any-script') });
});

t.test('a name cut to the length limit keeps whole characters', async (t) => {
  const page = await browser.newPage('long');
  const long = `${'a'.repeat(MAX_NAME - 1)}😀`; // 65 code units: the emoji straddles the limit
  await page.goto(`${server.url}/r/${ROOM}?name=${encodeURIComponent(long)}`);
  const value = await waitFor(() => page.getByTestId('name-input').inputValue(), { message: 'the prefilled name' });
  t.equal(value, 'a'.repeat(MAX_NAME - 1), 'the emoji is dropped whole, not cut in half');
});
