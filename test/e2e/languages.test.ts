/**
 * The UI speaks the person's language: Simplified Chinese or English picked from the browser, switchable
 * on screen, remembered on reload; and every screen is complete in Chinese (no English word left in any
 * visible text, tooltip, placeholder or accessible label), which guards strings added without i18n.
 */
import t from 'tap';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../server/config.js';
import { launchBrowser } from '../helpers/browser.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { joinRoom } from '../helpers/call-flow.js';
import { screenshotPath } from '../helpers/screenshots.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

// Browsers on a shared 2-core machine: far slower than tap's per-file default.
t.setTimeout(300_000);

// P2P off: the two-person meeting stays on the SFU (Chromium, with no loopback candidates, would pair
// over the machine's own addresses); the screens are the same either way.
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });

async function contextIn(locale: string): Promise<BrowserContext> {
  const context = await browser.browser.newContext({ locale });
  t.teardown(() => context.close().catch(() => undefined));
  return context;
}

async function startButtonText(page: Page): Promise<string> {
  await waitFor(() => page.getByTestId('start-meeting').isVisible(), { message: 'the home page' });
  return ((await page.getByTestId('start-meeting').textContent()) ?? '').trim();
}

t.test('a Chinese browser gets Chinese; the choice of English is remembered', async (t) => {
  const page = await (await contextIn('zh-CN')).newPage();
  await page.goto(`${server.url}/`);
  t.equal(await startButtonText(page), '发起新会议');
  t.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN', '<html lang> follows');
  await page.getByTestId('language-select').selectOption('en');
  t.equal(await startButtonText(page), 'Start a new meeting', 'switched on screen, no reload');
  t.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.reload();
  t.equal(await startButtonText(page), 'Start a new meeting', 'still English after a reload');
});

t.test('an English browser gets English; the choice of Chinese is remembered', async (t) => {
  const context = await contextIn('en-US');
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  t.equal(await startButtonText(page), 'Start a new meeting');
  await page.getByTestId('language-select').selectOption('zh-CN');
  t.equal(await startButtonText(page), '发起新会议');
  const other = await context.newPage();
  await other.goto(`${server.url}/`);
  t.equal(await startButtonText(other), '发起新会议', 'another tab of the same browser opens in Chinese');
});

/** Every piece of text a person sees or hears on the page: text nodes, labels, tooltips, placeholders. */
function shownTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.textContent?.trim();
      if (!text || !parent || parent.closest('script, style')) continue;
      if (parent.checkVisibility() || parent.closest('option')) texts.push(text);
    }
    for (const element of document.body.querySelectorAll('*')) {
      for (const attribute of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description']) {
        const value = element.getAttribute(attribute)?.trim();
        if (value) texts.push(value);
      }
    }
    return texts;
  });
}

/**
 * Text that may be English in the Chinese UI: the product name, the other language's own name, names
 * people chose, the meeting name, and technical words (URL schemes, browser names, network acronyms).
 */
const ALLOWED_LATIN = ['Shouwang', 'English', 'https', 'localhost', 'Chrome', 'Edge', 'Firefox', 'Safari', 'SFU', 'P2P', 'ICE', 'TURN', 'STUN', 'UDP', 'TCP'];

function englishIn(texts: string[], allowed: string[]): string[] {
  return texts.filter((text) => {
    let rest = text;
    for (const word of [...ALLOWED_LATIN, ...allowed]) rest = rest.split(word).join(' ');
    return /[A-Za-z]{3,}/.test(rest);
  });
}

t.test('every screen is complete in Chinese', async (t) => {
  const room = 'zhong-wen';
  const names = ['Li', 'Wang'];
  const context = await contextIn('zh-CN');
  const check = async (page: Page, screen: string, echoed: string[] = []) => {
    // Device names come from the system (and Chromium's fake devices are named in English).
    const deviceNames = await page.evaluate(async () =>
      (await navigator.mediaDevices.enumerateDevices()).map((device) => device.label).filter((label) => label !== ''),
    );
    const english = englishIn(await shownTexts(page), [room, ...names, ...echoed, ...deviceNames]);
    t.same(english, [], `${screen}: no English left`);
  };

  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await startButtonText(page);
  await check(page, 'home');
  await page.getByTestId('room-name-input').fill('not a valid name!');
  await page.getByTestId('join-room-button').click();
  await waitFor(() => page.getByTestId('error-message').isVisible(), { message: 'the invalid-name error' });
  await check(page, 'home with an error');

  await page.goto(`${server.url}/r/${encodeURIComponent('bad name!')}`);
  await waitFor(() => page.getByTestId('error-message').isVisible(), { message: 'the invalid link page' });
  await check(page, 'invalid meeting link', ['bad name']);
  // Only the app itself can reach its not-found page (the server answers 404 for unknown paths).
  await page.evaluate(() => {
    history.pushState(null, '', '/no/such/page');
    dispatchEvent(new PopStateEvent('popstate'));
  });
  await waitFor(() => page.getByTestId('error-message').isVisible(), { message: 'the not-found page' });
  await check(page, 'not found');

  const other = await context.newPage();
  await joinRoom(chromiumCallPage(names[1]!, other), server.url, room, names[1]!);
  await page.goto(`${server.url}/r/${room}?name=${names[0]}`);
  await waitFor(() => page.getByTestId('preview-video').isVisible(), { timeout: 30_000, message: 'the pre-join screen' });
  await check(page, 'pre-join');
  await page.getByTestId('name-input').fill('');
  await page.getByTestId('join-button').click();
  await waitFor(() => page.getByTestId('error-message').isVisible(), { message: 'the empty-name error' });
  await check(page, 'pre-join with an error');
  await page.getByTestId('name-input').fill(names[0]!);
  await page.getByTestId('join-button').click();
  await waitFor(async () => (await page.getByTestId('tile').count()) === 2, { timeout: 45_000, message: 'the meeting with 2 tiles' });
  await check(page, 'meeting');
  await page.getByTestId('mute-mic').click();
  await page.getByTestId('toggle-camera').click();
  await waitFor(async () => (await page.getByTestId('toggle-camera').getAttribute('aria-pressed')) === 'true', { message: 'camera off' });
  await check(page, 'meeting, muted with the camera off');
  await page.screenshot({ path: screenshotPath('meeting-zh-CN') });
  if (await page.getByTestId('open-settings').isVisible()) {
    await page.getByTestId('open-settings').click();
    await check(page, 'device settings');
    await page.keyboard.press('Escape');
  }
  await page.getByTestId('leave-button').click();
  await waitFor(() => page.getByTestId('left-screen').isVisible(), { message: 'the left screen' });
  await check(page, 'after leaving');
});
