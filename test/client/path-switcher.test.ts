/**
 * PathSwitch, the client's make-before-break rule, without a browser: a track moves to the new path
 * only once media rises there, a track with nothing to wait for moves at once, the switch is done only
 * after the UI has caught up (settled) and a steady period, and a cap ends a switch that cannot finish.
 */
import t from 'tap';
import { PathSwitch, STEADY_MS, type MediaPath, type SwitchableTrack } from '../../client/src/media/path-switcher.js';
import { waitFor } from '../helpers/wait.js';

interface FakeTrack extends SwitchableTrack {
  counters: Record<MediaPath, number>;
  live: boolean;
}

function track(trackId: string, kind: 'audio' | 'video' = 'video', shown: MediaPath = 'sfu'): FakeTrack {
  return { trackId, source: kind === 'video' ? 'camera' : 'mic', kind, shown, counters: { sfu: 100, p2p: 0 }, live: true };
}

function harness(tracks: FakeTrack[], options: { ready?: () => boolean; settled?: (t: FakeTrack) => boolean } = {}) {
  const shownLog: string[] = [];
  const shownAt = new Map<string, number>();
  const hooks = {
    tracks: () => tracks,
    received: async (t: SwitchableTrack, path: MediaPath) => (t as FakeTrack).counters[path],
    expectsMedia: (t: SwitchableTrack) => (t as FakeTrack).live,
    show: (t: SwitchableTrack, path: MediaPath) => {
      t.shown = path;
      shownLog.push(`${t.trackId}->${path}`);
      shownAt.set(t.trackId, Date.now());
    },
    ...(options.ready ? { ready: options.ready } : {}),
    ...(options.settled ? { settled: (t: SwitchableTrack) => options.settled!(t as FakeTrack) } : {}),
  };
  return { hooks, shownLog, shownAt };
}

t.test('to P2P: a track moves once P2P media arrives, not before, and only when the connection is up', async (t) => {
  const camera = track('camera');
  let connected = false;
  const { hooks, shownLog, shownAt } = harness([camera], { ready: () => connected });
  const pathSwitch = new PathSwitch('p2p', hooks);
  camera.counters.p2p = 3; // frames already decoded, but the connection does not count yet
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.same(shownLog, [], 'nothing moves before the connection is ready');
  connected = true;
  await waitFor(() => shownLog.length === 1, { message: 'the camera moves to P2P' });
  const movedAt = shownAt.get('camera') ?? 0;
  t.same(shownLog, ['camera->p2p']);
  const completed = await pathSwitch.done;
  t.equal(completed, true);
  // A lower bound only: a busy machine makes it later, never earlier.
  t.ok(Date.now() - movedAt >= STEADY_MS, 'done only after a steady period on the new path');
});

t.test('back to the SFU: frozen counters are not progress; a rise is', async (t) => {
  const camera = track('camera', 'video', 'p2p');
  const mic = track('mic', 'audio', 'p2p');
  const { hooks, shownLog } = harness([camera, mic]);
  const started = Date.now();
  const pathSwitch = new PathSwitch('sfu', hooks);
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.same(shownLog, [], 'SFU counters frozen since the pause: keep showing P2P');
  mic.counters.sfu += 5;
  await waitFor(() => shownLog.includes('mic->sfu'), { message: 'the mic moves when its SFU packets rise' });
  t.notOk(shownLog.includes('camera->sfu'), 'the camera still waits for its frames');
  camera.counters.sfu += 1;
  t.equal(await pathSwitch.done, true);
  t.same(shownLog.sort(), ['camera->sfu', 'mic->sfu']);
  t.ok(Date.now() - started >= 150 + STEADY_MS - 50, 'done only after the steady period');
});

t.test('a muted track has nothing to wait for and moves at once', async (t) => {
  const camera = track('camera', 'video', 'p2p');
  camera.live = false;
  const { hooks, shownLog } = harness([camera]);
  t.equal(await new PathSwitch('sfu', hooks).done, true);
  t.same(shownLog, ['camera->sfu']);
});

t.test('the switch waits for the UI to settle (first frame on screen), up to a cap', async (t) => {
  const camera = track('camera', 'video', 'p2p');
  camera.counters.sfu = 200;
  let rendered = false;
  const { hooks } = harness([camera], { settled: () => rendered });
  const pathSwitch = new PathSwitch('sfu', hooks);
  let done = false;
  void pathSwitch.done.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 60));
  camera.counters.sfu = 201;
  await waitFor(() => camera.shown === 'sfu', { message: 'moved' });
  await new Promise((resolve) => setTimeout(resolve, STEADY_MS + 200));
  t.notOk(done, 'not done while the new picture is not on screen');
  rendered = true;
  t.equal(await pathSwitch.done, true, 'done once it is');
});

t.test('a cap ends a switch whose media never comes, showing the target anyway', async (t) => {
  const camera = track('camera', 'video', 'p2p');
  const { hooks, shownLog } = harness([camera]);
  const completed = await new PathSwitch('sfu', hooks, { capMs: 300 }).done;
  t.equal(completed, false, 'reported as capped');
  t.same(shownLog, ['camera->sfu'], 'the track was moved at the cap');
});

t.test('a cancelled switch moves nothing more and never resolves', async (t) => {
  const camera = track('camera');
  const { hooks, shownLog } = harness([camera]);
  const pathSwitch = new PathSwitch('p2p', hooks);
  pathSwitch.cancel();
  camera.counters.p2p = 10;
  let resolved = false;
  void pathSwitch.done.then(() => (resolved = true));
  await new Promise((resolve) => setTimeout(resolve, STEADY_MS + 200));
  t.same(shownLog, []);
  t.notOk(resolved);
});
