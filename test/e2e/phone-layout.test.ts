/**
 * The product on a phone: Chromium's mobile emulation (375x667 portrait, touch, a phone's pixel ratio
 * and user agent). Every screen fits the width (no sideways scrolling), the meeting's tiles reflow to
 * the narrow screen, every control is on screen, big enough for a finger, and works by touch, and the
 * phone's cameras (Chromium's fake `device-count=3`) can be switched mid-call, round all of them,
 * without the others losing the picture. Screenshots for review go to .tap/screenshots/.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { chromiumCallPage, statsOf } from '../helpers/call-page.js';
import { expectMediaFlowing, joinRoom, type Participant } from '../helpers/call-flow.js';
import { screenshotPath } from '../helpers/screenshots.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

// Browsers on a shared 2-core machine: far slower than tap's per-file default.
t.setTimeout(420_000);

const PHONE = { width: 375, height: 667 };
const ROOM = 'phone-layout';
// Apple and Google both ask for touch targets of about 44-48 CSS px; 40 leaves room for rounding.
const MIN_TOUCH_TARGET = 40;

// Three people are on the SFU anyway; without P2P the two desks do not go P2P and back before the phone joins.
const server = await startServer({
  p2p: { enabled: false, switchBackDelayMs: 0, connectTimeoutMs: 10_000, iceServerUrls: [], iceTransportPolicy: 'all' },
});
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });
// The phone has several cameras. Chromium's fake_device_1 sends Y16 (depth) frames, which the video
// encoder drops (measured: framesEncoded stops after replaceTrack to it, while fake_device_0, fake_device_2
// and a canvas track all encode), so the test goes 0 -> 1 -> 2 -> 0 and checks the others' picture on 2.
const phoneBrowser = await launchBrowser(t, { args: ['--use-fake-device-for-media-stream=device-count=3'] });

const phoneContext = await phoneBrowser.browser.newContext({
  viewport: PHONE,
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
});
t.teardown(() => phoneContext.close().catch(() => undefined));
const phone = await phoneContext.newPage();
phone.on('pageerror', (error) => t.comment(`[phone] page error: ${error.message}`));

/** What overflows the viewport sideways: the page's scroll width, and elements sticking out. */
async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    const scrollWidth = document.scrollingElement?.scrollWidth ?? 0;
    if (scrollWidth > width) problems.push(`page scrolls sideways: scrollWidth ${scrollWidth} > ${width}`);
    for (const element of document.querySelectorAll<HTMLElement>('button, input, select, [data-testid]')) {
      if (!element.checkVisibility()) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0) continue;
      if (box.left < -0.5 || box.right > width + 0.5) {
        problems.push(`${element.dataset.testid ?? element.tagName.toLowerCase()} spans x ${Math.round(box.left)}..${Math.round(box.right)}`);
      }
    }
    return problems;
  });
}

t.test('home and pre-join screens fit a 375 px wide phone', async (t) => {
  await phone.goto(`${server.url}/`);
  await waitFor(() => phone.getByTestId('start-meeting').isVisible(), { message: 'the home page' });
  t.same(await horizontalOverflow(phone), [], 'home: nothing sticks out sideways');
  await phone.screenshot({ path: screenshotPath('phone-home') });

  await phone.goto(`${server.url}/r/${ROOM}?name=Phone`);
  await waitFor(() => phone.getByTestId('preview-video').isVisible(), { timeout: 30_000, message: 'the camera preview' });
  t.same(await horizontalOverflow(phone), [], 'pre-join: nothing sticks out sideways');
  await phone.getByTestId('join-button').scrollIntoViewIfNeeded();
  t.ok(await phone.getByTestId('join-button').isVisible(), 'the Join button can be scrolled to');
  await phone.screenshot({ path: screenshotPath('phone-prejoin') });
});

const desks: Participant[] = [];
let phonePerson: Participant | undefined;

t.test('in a meeting of three, tiles reflow and every control is reachable by touch', async (t) => {
  desks.push(
    ...(await Promise.all(
      // Cameras off: the phone shows their tiles either way, and the machine encodes one video, not three.
      ['Desk 1', 'Desk 2'].map(async (name) =>
        joinRoom(chromiumCallPage(name, await browser.newPage(name)), server.url, ROOM, name, { cameraOff: true }),
      ),
    )),
  );
  await phone.getByTestId('join-button').tap();
  await waitFor(async () => (await phone.getByTestId('tile').count()) === 3, { timeout: 45_000, message: 'phone: 3 tiles' });
  const phoneCallPage = chromiumCallPage('Phone', phone);
  const phonePeerId = await waitFor(() => phoneCallPage.evaluate(() => (globalThis as { __shouwang?: { peerId: string | null } }).__shouwang?.peerId, null), {
    message: 'phone: peer id',
  });
  phonePerson = { name: 'Phone', page: phoneCallPage, peerId: phonePeerId };
  await expectMediaFlowing(desks.map((desk) => [phonePerson!, desk] as [Participant, Participant]), 'desks <- phone');
  t.pass("both desks decode the phone's video and audio");

  const tiles = await phone.getByTestId('tile').evaluateAll((elements) =>
    elements.map((element) => {
      const box = element.getBoundingClientRect();
      return { left: box.left, right: box.right, top: box.top, bottom: box.bottom, width: box.width };
    }),
  );
  for (const [index, tile] of tiles.entries()) {
    t.ok(tile.left >= 0 && tile.right <= PHONE.width, `tile ${index} fits the width (${Math.round(tile.left)}..${Math.round(tile.right)})`);
    t.ok(tile.width >= PHONE.width * 0.4, `tile ${index} is big enough to see (${Math.round(tile.width)} px wide)`);
  }
  const overlapping = tiles.some((a, i) =>
    tiles.some((b, j) => i < j && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1),
  );
  t.notOk(overlapping, 'no two tiles overlap');
  t.same(await horizontalOverflow(phone), [], 'meeting: nothing sticks out sideways');

  const controls = await phone.getByRole('toolbar').locator('button').evaluateAll((buttons) =>
    buttons
      .filter((button) => button.checkVisibility())
      .map((button) => {
        const box = button.getBoundingClientRect();
        return { name: button.getAttribute('aria-label') ?? button.textContent ?? '?', ...box.toJSON() } as {
          name: string;
          left: number;
          right: number;
          top: number;
          bottom: number;
          width: number;
          height: number;
        };
      }),
  );
  t.ok(controls.length >= 4, `the control bar shows its buttons (${controls.map((c) => c.name).join(', ')})`);
  for (const control of controls) {
    const onScreen = control.left >= 0 && control.right <= PHONE.width && control.top >= 0 && control.bottom <= PHONE.height;
    t.ok(onScreen, `"${control.name}" is on screen without scrolling`);
    t.ok(
      control.width >= MIN_TOUCH_TARGET && control.height >= MIN_TOUCH_TARGET,
      `"${control.name}" is a finger-sized target (${Math.round(control.width)}x${Math.round(control.height)})`,
    );
  }

  await phone.getByTestId('mute-mic').tap();
  await waitFor(async () => (await phone.getByTestId('mute-mic').getAttribute('aria-pressed')) === 'true', {
    message: 'phone: a tap on the mic button mutes',
  });
  await phone.getByTestId('mute-mic').tap();
  await waitFor(async () => (await phone.getByTestId('mute-mic').getAttribute('aria-pressed')) === 'false', {
    message: 'phone: a second tap unmutes',
  });
  t.pass('mute and unmute by touch');
  await phone.screenshot({ path: screenshotPath('phone-meeting') });

});

/** The deviceId of the camera track the phone shows as its own tile. */
function phoneCameraId(): Promise<string | null> {
  return phone.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="tile"][data-local="true"] video');
    const track = video?.srcObject instanceof MediaStream ? video.srcObject.getVideoTracks()[0] : undefined;
    return track?.getSettings().deviceId ?? null;
  });
}

/** Taps "switch camera" and waits until the own tile shows a camera other than `from`. */
async function switchCameraFrom(from: string): Promise<string> {
  await phone.getByTestId('switch-camera').tap();
  return waitFor(
    async () => {
      const id = await phoneCameraId();
      if (id === null) {
        // Say why there is no camera in the tile (a notice such as "camera could not be used") if there is one.
        const notice = await phone.locator('.notice, [role="status"]').allTextContents();
        throw new Error(`no camera track in the own tile; shown: ${JSON.stringify(notice)}`);
      }
      return id !== from ? id : null;
    },
    {
      timeout: 30_000,
      message: 'phone: the own tile to show another camera',
    },
  );
}

t.test("switching between the phone's cameras keeps the others' picture", async (t) => {
  const phonePeer = phonePerson!;
  await waitFor(() => phone.getByTestId('switch-camera').isVisible(), { message: 'phone: the switch-camera button (several cameras)' });
  const first = await waitFor(phoneCameraId, { message: 'phone: the camera in the own tile' });
  const phoneVideoConsumers = () =>
    Promise.all(
      desks.map(async (desk) =>
        (await statsOf(desk.page)).inbound.filter((s) => s.peerId === phonePeer.peerId && s.kind === 'video').map((s) => s.consumerId),
      ),
    );
  const consumersBefore = await phoneVideoConsumers();

  const second = await switchCameraFrom(first);
  const third = await switchCameraFrom(second);
  t.equal(new Set([first, second, third]).size, 3, 'each tap opens the next camera');

  await expectMediaFlowing(desks.map((desk) => [phonePeer, desk] as [Participant, Participant]), 'desks <- phone after switching cameras');
  t.same(await phoneVideoConsumers(), consumersBefore, 'same consumers: the track was replaced in place, not republished');

  t.equal(await switchCameraFrom(third), first, 'and round again to the first camera');
});

t.test('leaving by touch', async (t) => {
  await phone.getByTestId('leave-button').tap();
  await waitFor(() => phone.getByTestId('left-screen').isVisible(), { message: 'phone: leaving by touch' });
  t.same(await horizontalOverflow(phone), [], 'left screen: nothing sticks out sideways');
});
