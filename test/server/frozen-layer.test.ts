/**
 * A received video whose simulcast layer stops (the sender's browser dropped it) is moved to the
 * lowest layer by the receiving client as soon as its frames stop (SfuVideoDemand + frozen-layer.ts),
 * instead of after mediasoup's 1.5 s inactivity check; the fitting layer is asked for again later.
 * Real server and worker; the client side is the app's own SfuVideoDemand over the app's SignalClient
 * (FakePeer); the decoded-frame count is scripted (FakePeer has no decoder). The real-browser case,
 * a sender stopping its layers, is test/e2e/frozen-layer.test.ts.
 */
import t from 'tap';
import { NEVER_STARTED_MS, RESTORE_AFTER_MS, frozen, newFrameWatch } from '../../client/src/media/frozen-layer.js';
import { SfuVideoDemand } from '../../client/src/media/sfu-video-demand.js';
import { bobReceivesAliceCamera, startFakePair } from '../helpers/fake-pair.js';
import { waitFor } from '../helpers/wait.js';

t.test('a frozen video gets the lowest layer, then the fitting one again', async (t) => {
  const pair = await startFakePair(t, 'frozen');
  const { bob } = pair;
  const { consumer, onServer } = await bobReceivesAliceCamera(pair, 'frozen');

  let decoded = 0;
  let flowing = true;
  const ticker = setInterval(() => flowing && decoded++, 50);
  t.teardown(() => clearInterval(ticker));
  const reads: number[] = [];
  const demand = new SfuVideoDemand(bob.signal, () => undefined, async () => {
    reads.push(Date.now());
    return decoded;
  });
  t.teardown(() => demand.close());
  demand.add(consumer, false, { width: 1280, height: 720 });
  demand.set(consumer.id, { visible: true, width: 1280, height: 720 });
  demand.layersChanged(consumer.id, 2);
  await waitFor(() => onServer()?.preferredLayers?.spatialLayer === 2, { message: 'a large tile to ask for the top layer' });
  await waitFor(() => reads.length >= 4, { message: 'the decoded frames of a playing video to be read' });
  t.equal(onServer()?.preferredLayers?.spatialLayer, 2, 'frames flowing: the top layer stays');

  flowing = false;
  const stoppedAt = Date.now();
  await waitFor(() => onServer()?.preferredLayers?.spatialLayer === 0, { message: 'the frozen video to be moved to the lowest layer', timeout: 5000 });
  const steppedDownAfter = Date.now() - stoppedAt;
  t.comment(`asked for the lowest layer ${steppedDownAfter} ms after the frames stopped`);
  t.ok(steppedDownAfter < RESTORE_AFTER_MS, 'before the fitting layer would be asked for again');
  demand.layersChanged(consumer.id, 0);
  flowing = true;

  await waitFor(() => onServer()?.preferredLayers?.spatialLayer === 2, { message: 'the fitting layer to be asked for again', timeout: RESTORE_AFTER_MS + 5000 });
  t.ok(Date.now() - stoppedAt >= RESTORE_AFTER_MS, 'only after the lower layer had its time');
});

t.test('what is a freeze and what is not', async (t) => {
  const watch = newFrameWatch(0);
  t.notOk(frozen(watch, 10, 0), 'the first count starts the watch');
  t.notOk(frozen(watch, 10, NEVER_STARTED_MS - 100), 'no frame yet, a normal start: not frozen');
  t.notOk(frozen(watch, 11, NEVER_STARTED_MS - 50), 'frames rise');
  t.notOk(frozen(watch, 11, NEVER_STARTED_MS + 250), 'a 300 ms pause (5 fps lowest temporal layer, a retransmission): not frozen');
  t.ok(frozen(watch, 11, NEVER_STARTED_MS + 350), 'no frame for 400 ms while flowing: frozen');
  t.notOk(frozen(watch, 11, NEVER_STARTED_MS + 3000), 'reported once: not again until frames flow again');
  t.notOk(frozen(watch, 12, NEVER_STARTED_MS + 3050));
  t.ok(frozen(watch, 12, NEVER_STARTED_MS + 3450), 'flowing again, then stopped again: a new freeze');

  const dark = newFrameWatch(0);
  t.notOk(frozen(dark, 0, 0));
  t.notOk(frozen(dark, 0, NEVER_STARTED_MS - 1), 'nothing decoded yet, within a normal start');
  t.ok(frozen(dark, 0, NEVER_STARTED_MS), `nothing decoded for ${NEVER_STARTED_MS} ms: it never started`);
  t.notOk(frozen(dark, 0, NEVER_STARTED_MS * 3), 'reported once');
});
