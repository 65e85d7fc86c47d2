/**
 * Screenshots of the main screens, for reviewing the UI: pre-join, the grid, the speaker view, a screen
 * share (presenter mode), the device settings, a phone, and the chat once the app has one. Starts its
 * own server and headless Chromium (fake cameras) on 127.0.0.1, and writes PNGs to
 * `$SHOUWANG_SCREENSHOT_DIR`, default `.tap/screenshots/` (ignored by git).
 *
 *   npm run screenshots        (build the client first: npm run build:client)
 */
import type { Page } from 'playwright-core';
import type { Test } from 'tap';
import { launchBrowser } from '../test/helpers/browser.js';
import { joinRoom } from '../test/helpers/call-flow.js';
import { chromiumCallPage } from '../test/helpers/call-page.js';
import { screenshotPath } from '../test/helpers/screenshots.js';
import { startServer } from '../test/helpers/server.js';
import { loadConfig } from '../server/config.js';
import { waitFor } from '../test/helpers/wait.js';

const ROOM = 'design-review';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 760 };

// launchBrowser reports through a tap test; here, the console is the report.
const cleanups: Array<() => Promise<unknown>> = [];
const log = { teardown: (fn: () => Promise<unknown>) => cleanups.push(fn), comment: (text: string) => console.log(text) } as unknown as Test;

const shots: string[] = [];
async function shoot(page: Page, name: string): Promise<void> {
  // Let videos paint their latest frame and transitions finish.
  await page.waitForTimeout(1200);
  const file = screenshotPath(`ui-${name}`);
  await page.screenshot({ path: file });
  shots.push(file);
  console.log(`saved ${file}`);
}

/** Waits until `count` camera videos on the page have painted frames (not just elements). */
async function decodingEverywhere(page: Page, count: number): Promise<void> {
  await waitFor(
    () =>
      page.evaluate(
        (wanted) =>
          [...document.querySelectorAll<HTMLVideoElement>('[data-testid="tile"] video')].filter((video) => video.videoWidth > 0)
            .length >= wanted,
        count,
      ),
    { timeout: 60_000, message: `${count} videos showing pictures` },
  );
}

// The SFU path throughout: the pictures should not depend on a two-person room going peer to peer.
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
cleanups.push(() => server.close());
try {
  const browser = await launchBrowser(log, {
    fakeMedia: 'file',
    args: ['--auto-select-desktop-capture-source=Entire screen', '--auto-accept-this-tab-capture'],
  });
  const newPage = async (label: string, viewport = DESKTOP): Promise<Page> => {
    const context = await browser.browser.newContext({ viewport });
    return context.newPage().then((page) => {
      // A shared, busy machine: be patient rather than fail a picture.
      page.setDefaultTimeout(90_000);
      page.setDefaultNavigationTimeout(90_000);
      page.on('pageerror', (error) => console.log(`[${label}] page error: ${error.message}`));
      return page;
    });
  };

  const ada = await newPage('Ada');
  await ada.goto(`${server.url}/r/${ROOM}?name=Ada%20Lovelace`);
  await waitFor(() => ada.getByTestId('preview-video').isVisible(), { timeout: 45_000, message: 'pre-join preview' });
  await shoot(ada, 'prejoin');
  await ada.getByTestId('prejoin-settings').click();
  await shoot(ada, 'prejoin-settings');
  await ada.keyboard.press('Escape');
  await ada.getByTestId('join-button').click();
  await waitFor(() => ada.evaluate(() => Boolean((globalThis as { __shouwang?: { peerId: string | null } }).__shouwang?.peerId)), {
    timeout: 45_000,
    message: 'Ada joins',
  });

  const others: Page[] = [];
  for (const name of ['Bo Chen', '王小明', 'Dara Ó Briain']) {
    const page = await newPage(name);
    await joinRoom(chromiumCallPage(name, page), server.url, ROOM, name);
    others.push(page);
  }
  const [bo, xiaoming, dara] = others as [Page, Page, Page];
  await dara.getByTestId('mute-mic').click();
  await xiaoming.getByTestId('toggle-camera').click();
  await decodingEverywhere(ada, 3);
  await shoot(ada, 'grid');

  await ada.getByTestId('toggle-layout').click();
  await decodingEverywhere(ada, 3);
  await shoot(ada, 'speaker-view');
  await ada.getByTestId('toggle-layout').click();

  await bo.getByTestId('toggle-screen').click();
  await waitFor(() => ada.getByTestId('stage').isVisible(), { timeout: 45_000, message: 'presenter mode on Ada' });
  await waitFor(() => ada.evaluate(() => (document.querySelector<HTMLVideoElement>('[data-testid="screen-tile"] video')?.videoWidth ?? 0) > 0), {
    timeout: 45_000,
    message: 'the screen share shows on Ada',
  });
  await shoot(ada, 'screen-share');
  await shoot(bo, 'screen-share-presenter');

  const phone = await newPage('phone', PHONE);
  await joinRoom(chromiumCallPage('Phone', phone), server.url, ROOM, 'Sam (phone)');
  await waitFor(() => phone.evaluate(() => document.querySelector('[data-testid="stage"] video') !== null), {
    timeout: 45_000,
    message: 'the phone shows the screen share large',
  });
  // A phone in presenter layout shows the share large and one camera beside it; the cameras it does
  // not show are paused (adaptive quality), so only one has to be painting.
  await decodingEverywhere(phone, 1);
  await shoot(phone, 'phone-speaker-view');
  await phone.getByTestId('toggle-layout').click();
  await shoot(phone, 'phone-grid');
  await bo.getByTestId('stop-presenting').click();

  const chatButton = ada.getByTestId('chat-toggle');
  if ((await chatButton.count()) > 0) {
    await chatButton.click();
    const input = ada.getByTestId('chat-input');
    if ((await input.count()) > 0) {
      await input.fill('Slides are up — 幻灯片已共享 👍');
      await input.press('Enter');
    }
    await shoot(ada, 'chat');
    await chatButton.click();
  } else {
    console.log('no chat in this build yet: skipped the chat screenshot');
  }

  await ada.getByTestId('open-settings').click();
  await shoot(ada, 'settings');
  console.log(`\n${shots.length} screenshots written`);
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
