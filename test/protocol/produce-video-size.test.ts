/** `produce.videoSize`: the capture size receivers choose simulcast layers from; bounded like every field. */
import t from 'tap';
import { generateConsumerRemoteParameters } from 'mediasoup-client/fakeParameters';
import { clientRequestSchemas } from '../../protocol/requests.js';

const rtpParameters = generateConsumerRemoteParameters({ codecMimeType: 'video/VP8' }).rtpParameters;
const base = { transportId: 't1', kind: 'video', rtpParameters, source: 'camera' };

t.test('a plausible size is accepted, and the field is optional', async (t) => {
  t.ok(clientRequestSchemas.produce.safeParse({ ...base, videoSize: { width: 1280, height: 720 } }).success);
  t.ok(clientRequestSchemas.produce.safeParse(base).success);
});

t.test('zero, huge, fractional or padded sizes are refused', async (t) => {
  for (const videoSize of [
    { width: 0, height: 720 },
    { width: 100_000, height: 720 },
    { width: 1280.5, height: 720 },
    { width: 1280, height: 720, extra: 1 },
    { width: '1280', height: 720 },
  ]) {
    t.notOk(clientRequestSchemas.produce.safeParse({ ...base, videoSize }).success, JSON.stringify(videoSize));
  }
});
