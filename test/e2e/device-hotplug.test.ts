/**
 * Hot-plugging (`devicechange`) during a call, in headless Chromium. Its fake devices cannot be
 * unplugged, so the page's `navigator.mediaDevices` is wrapped (test/helpers/device-hotplug.ts): the
 * list hides "unplugged" devices, an unplug ends their tracks as the browser does and fires
 * `devicechange`; getUserMedia still opens Chromium's real fake devices, so what Bob decodes is real.
 *
 * What a person would notice: an unplugged camera or microphone is replaced by another one without the
 * others losing the picture or the sound (replaceTrack: same producers, no renegotiation); a new device
 * shows up in the settings at once and changes nothing; the device the person chose is used again when
 * it comes back (the policy in Devices.replacementFor); with no camera left the camera is shown off, the
 * others see the avatar and the call goes on with sound.
 *
 * Fake devices (device-count=3): cameras `fake_device_0` (I420), `fake_device_1` (Y16 depth: the
 * encoder drops its frames, so no scenario lands on it), `fake_device_2` (MJPEG); microphones
 * `Fake Default Audio Input` (id `default`), `Fake Audio Input 1`, `Fake Audio Input 2`.
 */
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { statsOf } from '../helpers/client-hooks.js';
import { plug, simulateHotplug, unplug } from '../helpers/device-hotplug.js';
import { startServer } from '../helpers/server.js';
import { loadConfig } from '../../server/config.js';
import { waitFor } from '../helpers/wait.js';

t.setTimeout(360_000);

const ROOM = 'device-hotplug';
const TIMEOUT = 45_000;
const CAMERA_0 = 'fake_device_0';
const CAMERA_1 = 'fake_device_1';
const CAMERA_2 = 'fake_device_2';
const DEFAULT_MIC = 'Fake Default Audio Input';
const MIC_1 = 'Fake Audio Input 1';
const MIC_2 = 'Fake Audio Input 2';

// The SFU path on purpose, also for two people (two-person rooms would otherwise go peer to peer).
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'builtin', args: ['--use-fake-device-for-media-stream=device-count=3'] });

interface Person extends Participant {
  raw: Page;
  pageErrors: string[];
}

async function join(name: string, prepare?: (page: Page) => Promise<void>): Promise<Person> {
  const raw = await browser.newPage(name);
  const pageErrors: string[] = [];
  raw.on('pageerror', (error) => pageErrors.push(error.message));
  await prepare?.(raw);
  const joined = await joinRoom(chromiumCallPage(name, raw), server.url, ROOM, name, { timeout: 90_000 });
  return { ...joined, raw, pageErrors };
}

// Alice's second fake microphone is not plugged in yet: plugging it in is one of the scenarios.
const alice = await join('Alice', (page) => simulateHotplug(page, { unpluggedAtStart: [MIC_1] }));
const bob = await join('Bob');

interface TrackInfo {
  label: string;
  deviceId: string;
  readyState: string;
  enabled: boolean;
}

function localTracks(person: Person): Promise<{ mic: TrackInfo | null; camera: TrackInfo | null }> {
  return person.raw.evaluate(() => {
    const hooks = (globalThis as { __shouwang?: { localTracks(): { mic: TrackInfo | null; camera: TrackInfo | null } } }).__shouwang;
    if (!hooks) throw new Error('window.__shouwang is not set');
    return hooks.localTracks();
  });
}

/** Waits until Alice's live track of `kind` is on the device labelled `label`. */
function aliceUses(kind: 'mic' | 'camera', label: string, why: string): Promise<TrackInfo> {
  return waitFor(
    async () => {
      const track = (await localTracks(alice))[kind];
      if (!track) throw new Error(`no ${kind} track`);
      if (track.readyState !== 'live') throw new Error(`the ${kind} track (${track.label}) is ${track.readyState}`);
      if (track.label !== label) throw new Error(`the ${kind} is ${track.label}`);
      return track;
    },
    { timeout: TIMEOUT, message: `Alice's ${kind} is ${label} (${why})` },
  );
}

function serverProducers(person: Person): Map<string, { id: string; paused: boolean }> {
  const peer = server.app.rooms.rooms.get(ROOM)?.peers.get(person.peerId);
  return new Map([...(peer?.producers.values() ?? [])].map((p) => [p.appData.source as string, { id: p.id, paused: p.paused }]));
}

function producerIds(person: Person): Record<string, string> {
  return Object.fromEntries([...serverProducers(person)].map(([source, { id }]) => [source, id]));
}

interface Counters {
  frames: number;
  audioBytes: number;
  audioPackets: number;
  videoConsumer: string;
}

async function received(from: Person, to: Person): Promise<Counters> {
  const stats = await statsOf(to.raw);
  const video = stats.inbound.find((s) => s.peerId === from.peerId && s.kind === 'video' && s.source === 'camera');
  const audio = stats.inbound.find((s) => s.peerId === from.peerId && s.kind === 'audio' && s.source === 'mic');
  return {
    frames: video?.framesDecoded ?? 0,
    audioBytes: audio?.bytesReceived ?? 0,
    audioPackets: audio?.packetsReceived ?? 0,
    videoConsumer: video?.consumerId ?? '',
  };
}

/**
 * Waits until `to` has decoded `frames` more of `from`'s camera frames, or received `packets` more
 * audio packets, than now (a picture or sound that froze at the switch fails). Returns the counters.
 */
async function expectFlow(from: Person, to: Person, kind: 'video' | 'audio', why: string): Promise<Counters> {
  const before = await received(from, to);
  return waitFor(
    async () => {
      const now = await received(from, to);
      if (kind === 'video') {
        if (now.frames < before.frames + 40) throw new Error(`framesDecoded ${before.frames} -> ${now.frames}`);
      } else if (now.audioPackets < before.audioPackets + 50 || now.audioBytes <= before.audioBytes) {
        throw new Error(`audio packets ${before.audioPackets} -> ${now.audioPackets}, bytes ${before.audioBytes} -> ${now.audioBytes}`);
      }
      return now;
    },
    { timeout: TIMEOUT, message: `${to.name} keeps receiving ${from.name}'s ${kind} (${why})` },
  );
}

/** The labels of the options in a device select of the settings dialog. */
function optionLabels(kind: 'mic' | 'camera'): Promise<string[]> {
  return alice.raw
    .getByTestId(`device-select-${kind}`)
    .locator('option')
    .evaluateAll((elements) => elements.map((e) => e.textContent?.trim() ?? ''));
}

/** Opens the settings dialog; `t`: closes it when that test ends, also on a failure, for the next test. */
async function openSettings(t?: Test): Promise<void> {
  await alice.raw.getByTestId('open-settings').click();
  await waitFor(() => alice.raw.getByTestId('device-settings').isVisible(), { message: 'the settings dialog opens' });
  t?.teardown(async () => {
    if (await alice.raw.getByTestId('device-settings').isVisible()) await closeSettings();
  });
}

async function closeSettings(): Promise<void> {
  await alice.raw.getByTestId('device-settings-close').click();
  await waitFor(async () => !(await alice.raw.getByTestId('device-settings').isVisible()), { message: 'the settings dialog closes' });
}

function storedChoices(): Promise<{ mic?: string; camera?: string }> {
  return alice.raw.evaluate(() => JSON.parse(localStorage.getItem('shouwang.devices') ?? '{}') as { mic?: string; camera?: string });
}

function pressed(testId: string): Promise<string | null> {
  return alice.raw.getByTestId(testId).getAttribute('aria-pressed');
}

// Every device's id in Alice's page, by label (ids are per origin and context).
const ids = await alice.raw.evaluate(async () =>
  Object.fromEntries((await navigator.mediaDevices.enumerateDevices()).map((device) => [device.label, device.deviceId])),
);
// No assertion at the top level before the subtests: tap would end the root test while this awaits.
if (!ids[CAMERA_0] || !ids[CAMERA_2] || !ids[MIC_2] || ids[MIC_1]) {
  throw new Error(`Alice's page should list the fake devices except ${MIC_1}: ${JSON.stringify(Object.keys(ids))}`);
}

await expectFlow(alice, bob, 'video', 'the call is up');
const { videoConsumer } = await expectFlow(alice, bob, 'audio', 'the call is up');

// Alice picks her devices herself, as a person would before the scenarios: the MJPEG camera and the
// second microphone. These are her explicit choices (remembered), which the hot-plug policy returns to.
await openSettings();
await alice.raw.getByTestId('device-select-camera').selectOption({ label: CAMERA_2 });
await aliceUses('camera', CAMERA_2, 'chosen in the settings');
await alice.raw.getByTestId('device-select-mic').selectOption({ label: MIC_2 });
await aliceUses('mic', MIC_2, 'chosen in the settings');
await closeSettings();
const producersBefore = await waitFor(() => {
  const producers = producerIds(alice);
  return producers.mic && producers.camera ? producers : null;
}, { message: "Alice's mic and camera producers on the server" });
// The page-side marker proves that nothing below reloads the page.
await alice.raw.evaluate(() => ((globalThis as { __notReloaded?: boolean }).__notReloaded = true));

t.test('unplugging the camera in use switches to another camera; Bob keeps seeing Alice', async (t) => {
  t.same(await storedChoices(), { mic: ids[MIC_2], camera: ids[CAMERA_2], speaker: null }, 'her choices are remembered');
  const ended = await unplug(alice.raw, [CAMERA_2], 'ended-first');
  t.equal(ended, 1, 'the camera track in use ended, as on a real unplug');
  // The policy (Devices.replacementFor): the default or first camera still plugged in, here fake_device_0.
  const camera = await aliceUses('camera', CAMERA_0, `${CAMERA_2} unplugged`);
  t.equal(camera.deviceId, ids[CAMERA_0], 'the new track is on the first camera still plugged in');
  const counters = await expectFlow(alice, bob, 'video', `after ${CAMERA_2} was unplugged`);
  t.pass(`Bob decoded ${counters.frames} frames of Alice's camera, still rising after the unplug`);
  t.equal(counters.videoConsumer, videoConsumer, "Bob's consumer is the same one");
  t.same(producerIds(alice), producersBefore, 'same producer ids: replaceTrack, no renegotiation');
  t.equal(serverProducers(alice).get('camera')?.paused, false, 'the camera producer is not paused');
  t.equal(await pressed('toggle-camera'), 'false', 'the camera button still shows the camera on');
  t.equal((await storedChoices()).camera, ids[CAMERA_2], "Alice's choice is kept (for when it comes back)");
});

t.test('unplugging the microphone in use switches to another microphone; Bob keeps hearing Alice', async (t) => {
  // This time the list changes first and the track ends while the page is already switching.
  const ended = await unplug(alice.raw, [MIC_2], 'list-first');
  t.equal(ended, 1, 'the microphone track in use is ending, as on a real unplug');
  const mic = await aliceUses('mic', DEFAULT_MIC, `${MIC_2} unplugged`);
  t.equal(mic.deviceId, 'default', 'the default microphone (Devices.replacementFor)');
  t.equal(mic.enabled, true, 'the new microphone is not muted');
  // The old track really ended (the unplug is over) and Alice is still not muted.
  await waitFor(async () => (await localTracks(alice)).mic?.readyState === 'live' && (await pressed('mute-mic')) === 'false', {
    message: 'the mic stays on after the old track ended',
  });
  const counters = await expectFlow(alice, bob, 'audio', `after ${MIC_2} was unplugged`);
  t.pass(`Bob received ${counters.audioPackets} audio packets (${counters.audioBytes} bytes), still rising`);
  t.same(producerIds(alice), producersBefore, 'same producer ids: replaceTrack, no renegotiation');
  t.equal(serverProducers(alice).get('mic')?.paused, false, 'the mic producer is not paused');
  t.equal((await localTracks(alice)).mic?.label, DEFAULT_MIC, 'still on the default microphone');
});

t.test('a device plugged in appears in the settings at once and changes nothing', async (t) => {
  await openSettings(t);
  t.notOk((await optionLabels('mic')).includes(MIC_1), `${MIC_1} is not listed before it is plugged in`);
  const micSelect = alice.raw.getByTestId('device-select-mic');
  const selected = await micSelect.inputValue();
  await plug(alice.raw, [MIC_1]);
  const labels = await waitFor(async () => {
    const labels = await optionLabels('mic');
    return labels.includes(MIC_1) ? labels : null;
  }, { timeout: TIMEOUT, message: `${MIC_1} to appear in the open settings dialog` });
  t.same(labels, [DEFAULT_MIC, MIC_1], 'the list follows the plug-in (the unplugged one is still absent)');
  t.equal(await micSelect.inputValue(), selected, 'the dialog still shows the microphone in use');
  t.equal(selected, 'default', 'which is the default microphone');
  const tracks = await localTracks(alice);
  t.equal(tracks.mic?.label, DEFAULT_MIC, 'the microphone in use did not change');
  t.equal(tracks.camera?.label, CAMERA_0, 'nor the camera');
  t.equal((await storedChoices()).mic, ids[MIC_2], 'the remembered choice is unchanged');
  t.ok(await alice.raw.evaluate(() => (globalThis as { __notReloaded?: boolean }).__notReloaded), 'the page was not reloaded');
  await expectFlow(alice, bob, 'audio', `after ${MIC_1} was plugged in`);
  await closeSettings();
});

t.test("the person's chosen devices come back: the app returns to them (Devices.replacementFor)", async (t) => {
  await plug(alice.raw, [CAMERA_2, MIC_2]);
  await aliceUses('camera', CAMERA_2, 'the chosen camera is plugged in again');
  const mic = await aliceUses('mic', MIC_2, 'the chosen microphone is plugged in again');
  t.equal(mic.enabled, true, 'the microphone is not muted');
  const video = await expectFlow(alice, bob, 'video', 'back on the chosen camera');
  const audio = await expectFlow(alice, bob, 'audio', 'back on the chosen microphone');
  t.pass(`Bob still decodes (${video.frames} frames) and hears Alice (${audio.audioPackets} packets)`);
  t.same(producerIds(alice), producersBefore, 'same producer ids: replaceTrack, no renegotiation');
  t.same(await storedChoices(), { mic: ids[MIC_2], camera: ids[CAMERA_2], speaker: null }, 'the choices are unchanged');
});

t.test('unplugging the last camera shows the camera off; the call goes on with sound', async (t) => {
  const ended = await unplug(alice.raw, [CAMERA_0, CAMERA_1, CAMERA_2], 'ended-first');
  t.equal(ended, 1, 'the camera track in use ended');
  await waitFor(async () => (await localTracks(alice)).camera === null && (await pressed('toggle-camera')) === 'true', {
    timeout: TIMEOUT,
    message: "Alice's camera is shown off (no track, camera button pressed)",
  });
  const notice = await waitFor(() => alice.raw.getByTestId('room-notice').textContent(), { timeout: TIMEOUT, message: 'a notice says why' });
  t.match(notice, /camera/i, `Alice is told: "${notice.trim()}"`);
  await waitFor(() => serverProducers(alice).get('camera')?.paused === true, {
    timeout: TIMEOUT,
    message: "Alice's camera producer paused on the server",
  });
  const own = alice.raw.locator(`[data-testid="tile"][data-local="true"] [data-testid="tile-avatar"]`);
  await waitFor(() => own.isVisible(), { timeout: TIMEOUT, message: "Alice's own tile shows her avatar" });
  const onBob = bob.raw.locator(`[data-testid="tile"][data-peer-id="${alice.peerId}"] [data-testid="tile-avatar"]`);
  await waitFor(() => onBob.isVisible(), { timeout: TIMEOUT, message: "Bob sees Alice's avatar instead of a frozen picture" });
  await openSettings(t);
  await waitFor(() => alice.raw.getByTestId('device-select-camera').isDisabled(), {
    timeout: TIMEOUT,
    message: 'the settings list no camera (the select is disabled)',
  });
  await closeSettings();
  const audio = await expectFlow(alice, bob, 'audio', 'no camera left');
  const back = await expectFlow(bob, alice, 'video', 'no camera left on her side');
  t.pass(`the call goes on: Bob hears Alice (${audio.audioPackets} packets), Alice sees Bob (${back.frames} frames)`);
  const phase = await alice.raw.evaluate(() => (globalThis as { __shouwang?: { phase: string | null } }).__shouwang?.phase);
  t.equal(phase, 'joined', 'Alice is still in the meeting');
  t.same(producerIds(alice), producersBefore, 'the producers are kept (paused, not closed)');
});

t.test('a camera plugged in again stays off until Alice turns it on, then Bob sees her', async (t) => {
  await plug(alice.raw, [CAMERA_0, CAMERA_1, CAMERA_2]);
  await openSettings(t);
  await waitFor(async () => (await optionLabels('camera')).length === 3, { timeout: TIMEOUT, message: 'the three cameras are listed again' });
  await closeSettings();
  t.equal((await localTracks(alice)).camera, null, 'plugging a camera in does not switch the camera on by itself');
  await alice.raw.getByTestId('toggle-camera').click();
  const camera = await waitFor(async () => {
    const camera = (await localTracks(alice)).camera;
    return camera?.readyState === 'live' ? camera : null;
  }, { timeout: TIMEOUT, message: "Alice's camera turns on" });
  // Her choice, and the camera she used last; only preferred when turning on (LocalMedia.turnCameraOn),
  // which Chromium ignores as `ideal` (it opened fake_device_0), hence `exact` first, then any camera.
  t.equal(camera.label, CAMERA_2, 'on the camera she chose, plugged in again');
  await waitFor(() => serverProducers(alice).get('camera')?.paused === false, { timeout: TIMEOUT, message: 'the camera producer resumed' });
  const video = await expectFlow(alice, bob, 'video', 'the camera turned on again');
  t.pass(`Bob decodes Alice's camera again (${video.frames} frames)`);
  t.same(producerIds(alice), producersBefore, 'same producer ids');
});

t.test('on the next visit the remembered devices are opened again', async (t) => {
  // A new visit: the same browser profile (localStorage) loads the room link again and joins.
  const again = await joinRoom(chromiumCallPage('Alice', alice.raw), server.url, ROOM, 'Alice', { timeout: 90_000 });
  const tracks = await localTracks(alice);
  t.equal(tracks.camera?.label, CAMERA_2, 'the remembered camera (not the browser default fake_device_0)');
  t.equal(tracks.mic?.label, MIC_2, 'the remembered microphone');
  const video = await expectFlow({ ...alice, ...again }, bob, 'video', 'Alice joined again');
  t.pass(`Bob decodes Alice's camera after her rejoin (${video.frames} frames)`);
});

t.test('no page crashed or threw', async (t) => {
  t.same(alice.pageErrors, [], 'no uncaught error in Alice’s page');
  t.same(bob.pageErrors, [], 'no uncaught error in Bob’s page');
});
