/** Which camera the phone's "switch camera" button opens next. */
import t from 'tap';
import { nextCamera } from '../../client/src/state/camera-switch.js';

const camera = (deviceId: string, facing?: string) => ({
  deviceId,
  getCapabilities: () => ({ facingMode: facing ? [facing] : [] }),
});

t.test('the button goes to the camera facing the other way when the browser says which way each faces', async (t) => {
  const cameras = [camera('front', 'user'), camera('wide', 'environment'), camera('back', 'environment')];
  t.equal(nextCamera(cameras, 'front', 'user'), 'wide');
  t.equal(nextCamera(cameras, 'back', 'environment'), 'front');
});

t.test('otherwise it goes round every camera', async (t) => {
  const cameras = [camera('a'), camera('b'), camera('c')];
  t.equal(nextCamera(cameras, 'a', undefined), 'b');
  t.equal(nextCamera(cameras, 'c', undefined), 'a');
  t.equal(nextCamera(cameras, 'unknown', undefined), 'a');
  t.equal(nextCamera(cameras.slice(0, 2), 'b', 'user'), 'a', 'facing known but no camera lists its facing: next one');
});

t.test('one camera or none: no switch', async (t) => {
  t.equal(nextCamera([camera('only', 'user')], 'only', 'user'), null);
  t.equal(nextCamera([], null, undefined), null);
});
