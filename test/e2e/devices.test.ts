/**
 * Choosing devices during a call, in headless Chromium (its fake devices: three microphones and three
 * speakers, and three cameras with `device-count=3`). Switching uses replaceTrack: the server keeps the
 * same producers (no new `produce`, no renegotiation), and the other page keeps receiving. The chosen
 * speaker is applied to every remote audio element (setSinkId).
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { statsOf } from '../helpers/client-hooks.js';
import { startServer } from '../helpers/server.js';
import { loadConfig } from '../../server/config.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'devices';
const TIMEOUT = 30_000;

// The SFU path on purpose, also for two people (two-person rooms would otherwise go peer to peer).
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
// File-backed fake cameras come one per browser; the built-in generator makes `device-count` of them.
// Chromium's fake cameras differ by pixel format: the first I420, the second Y16 (a depth camera, whose
// frames the video encoder drops), the third MJPEG. A call switches to the third: an ordinary camera.
const browser = await launchBrowser(t, { fakeMedia: 'builtin', args: ['--use-fake-device-for-media-stream=device-count=3'] });

interface Person extends Participant {
  raw: Page;
}

async function join(name: string): Promise<Person> {
  const raw = await browser.newPage(name);
  const joined = await joinRoom(chromiumCallPage(name, raw), server.url, ROOM, name, { timeout: 90_000 });
  return { ...joined, raw };
}

const alice = await join('Alice');
const bob = await join('Bob');

function producersOf(person: Person): Map<string, string> {
  const peer = server.app.rooms.rooms.get(ROOM)?.peers.get(person.peerId);
  return new Map([...(peer?.producers.values() ?? [])].map((p) => [p.appData.source as string, p.id]));
}

async function receivedFrom(from: Person, to: Person, kind: 'audio' | 'video'): Promise<number> {
  const stats = await statsOf(to.raw);
  const entry = stats.inbound.find((s) => s.peerId === from.peerId && s.kind === kind);
  return kind === 'audio' ? (entry?.bytesReceived ?? 0) : (entry?.framesDecoded ?? 0);
}

async function expectStillReceiving(kind: 'audio' | 'video', why: string): Promise<void> {
  // Video: a couple of seconds of frames, so a picture that froze right after the switch fails.
  const more = kind === 'video' ? 40 : 1;
  const before = await receivedFrom(alice, bob, kind);
  await waitFor(async () => (await receivedFrom(alice, bob, kind)) >= before + more, {
    timeout: TIMEOUT,
    message: `Bob keeps receiving Alice's ${kind} (${why})`,
  });
}

/** Picks, in the settings dialog, a device other than the current one (the last listed); returns its id. */
async function switchTo(kind: 'mic' | 'camera' | 'speaker'): Promise<string | null> {
  const select = alice.raw.getByTestId(`device-select-${kind}`);
  await waitFor(async () => (await select.locator('option').count()) > 0, { message: `${kind} options listed` });
  const current = await select.inputValue();
  const options = await select.locator('option').evaluateAll((elements) => elements.map((e) => (e as HTMLOptionElement).value));
  const other = options.findLast((value) => value !== '' && value !== current && value !== 'default');
  if (!other) return null;
  await select.selectOption(other);
  // The dialog shows the device of the live track: it changes once the new track is in use.
  await waitFor(async () => (await select.inputValue()) === other, { timeout: TIMEOUT, message: `Alice's ${kind} is now ${other}` });
  return other;
}

const producersBefore = await waitFor(() => {
  const producers = producersOf(alice);
  return producers.has('mic') && producers.has('camera') ? producers : null;
}, { message: "Alice's mic and camera producers on the server" });

t.test('switching the microphone and the camera mid-call keeps the same producers', async (t) => {
  await alice.raw.getByTestId('open-settings').click();
  await waitFor(() => alice.raw.getByTestId('device-settings').isVisible(), { message: 'the settings dialog opens' });

  const mic = await switchTo('mic');
  if (mic === null) t.comment('only one fake microphone: the mic switch is not exercised');
  else {
    await expectStillReceiving('audio', 'after the mic switch');
    t.pass(`switched microphone to ${mic}`);
  }
  const camera = await switchTo('camera');
  t.ok(camera, 'Chromium offers more fake cameras (device-count=3)');
  await expectStillReceiving('video', 'after the camera switch');
  t.pass(`switched camera to ${camera}`);

  t.same(Object.fromEntries(producersOf(alice)), Object.fromEntries(producersBefore), 'same producer ids: replaceTrack, no new produce');
  await alice.raw.getByTestId('device-settings-close').click();
  await waitFor(async () => !(await alice.raw.getByTestId('device-settings').isVisible()), { message: 'the dialog closes' });
});

t.test('the chosen speaker plays every remote audio track', async (t) => {
  await alice.raw.getByTestId('open-settings').click();
  const speaker = await switchTo('speaker');
  t.ok(speaker, 'Chromium offers more than one fake speaker');
  const sinks = await waitFor(
    async () => {
      const ids = await alice.raw.evaluate(() =>
        [...document.querySelectorAll('audio')].map((audio) => (audio as HTMLAudioElement & { sinkId: string }).sinkId),
      );
      return ids.length > 0 && ids.every((id) => id === speaker) ? ids : null;
    },
    { timeout: TIMEOUT, message: `every <audio> plays through ${speaker}` },
  );
  t.pass(`${sinks.length} remote audio element(s) routed to the chosen speaker`);
  await alice.raw.getByTestId('device-settings-close').click();
});

t.test('the chosen devices are remembered for the next visit', async (t) => {
  const stored = await alice.raw.evaluate(() => localStorage.getItem('shouwang.devices'));
  t.match(stored ?? '', /"camera":"[^"]+"/, `localStorage holds the camera: ${stored}`);
  t.match(stored ?? '', /"mic":"[^"]+"/, 'and the microphone');
  t.match(stored ?? '', /"speaker":"[^"]+"/, 'and the speaker');
});
