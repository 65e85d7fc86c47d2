/**
 * After signaling resumes on a new socket, the client asks again for the pause state and layer it
 * wants for every received video (SfuVideoDemand.resync): a request lost with a silent socket must
 * not leave a visible tile's video paused on the server for the rest of the call. Real server and
 * worker; the client side is the app's own SfuVideoDemand over the app's SignalClient (FakePeer).
 */
import t from 'tap';
import { SfuVideoDemand } from '../../client/src/media/sfu-video-demand.js';
import { bobReceivesAliceCamera, startFakePair } from '../helpers/fake-pair.js';
import { waitFor } from '../helpers/wait.js';

t.test('resync puts the server back in line with what the client asked for', async (t) => {
  const pair = await startFakePair(t, 'demand');
  const { bob } = pair;
  const { consumer, onServer } = await bobReceivesAliceCamera(pair, 'demand');
  await waitFor(() => onServer()?.paused === false, { message: 'the consumer resumed after Bob answered' });

  const demand = new SfuVideoDemand(bob.signal, () => undefined, async () => 0);
  t.teardown(() => demand.close());
  demand.add(consumer, false, { width: 1280, height: 720 });
  demand.set(consumer.id, { visible: true, width: 320, height: 180 });
  await waitFor(() => onServer()?.preferredLayers?.spatialLayer === 0, { message: 'a small tile to ask for the lowest layer' });

  // What a request lost with a silent socket leaves behind: the server paused it, on the top layer,
  // while the client still shows the tile and believes it asked for the lowest layer.
  await onServer()!.pause();
  await onServer()!.setPreferredLayers({ spatialLayer: 2 });
  demand.resync();
  await waitFor(() => onServer()?.paused === false, { message: 'resync to resume the video the client shows' });
  await waitFor(() => onServer()?.preferredLayers?.spatialLayer === 0, { message: 'and to ask for its layer again' });
  t.pass('the server forwards the video again, at the layer the tile needs');

  demand.set(consumer.id, { visible: false, width: 0, height: 0 });
  await waitFor(() => onServer()?.paused === true, { message: 'a hidden tile to pause the video' });
  await onServer()!.resume();
  demand.resync();
  await waitFor(() => onServer()?.paused === true, { message: 'resync to pause again a video nobody sees' });
  t.pass('and stops it again where nobody looks at it');
});
