import t from 'tap';
import {
  generateLocalDtlsParameters,
  generateNativeRtpCapabilities,
  generateNativeSctpCapabilities,
  generateConsumerRemoteParameters,
} from 'mediasoup-client/fakeParameters';
import { clientEnvelopeSchema } from '../../protocol/envelope.js';
import { MAX_DISPLAY_NAME_LENGTH } from '../../protocol/limits.js';
import { clientRequestSchemas, type ClientRequestMethod } from '../../protocol/requests.js';

const rtpParameters = generateConsumerRemoteParameters({ codecMimeType: 'video/VP8' }).rtpParameters;

/** One valid example of every request; the test fails if a method is added without one. */
const valid: { [M in ClientRequestMethod]: unknown } = {
  join: { roomId: 'team-standup', displayName: 'Lin 林' },
  setCapabilities: { rtpCapabilities: generateNativeRtpCapabilities(), sctpCapabilities: generateNativeSctpCapabilities() },
  createTransport: { direction: 'send', sctp: true },
  connectTransport: { transportId: 't1', dtlsParameters: generateLocalDtlsParameters() },
  restartIce: { transportId: 't1' },
  produce: { transportId: 't1', kind: 'video', rtpParameters, source: 'camera' },
  closeProducer: { producerId: 'p1' },
  pauseProducer: { producerId: 'p1' },
  resumeProducer: { producerId: 'p1' },
  pauseConsumer: { consumerId: 'c1' },
  resumeConsumer: { consumerId: 'c1' },
  setConsumerPreferredLayers: { consumerId: 'c1', spatialLayer: 2, temporalLayer: 1 },
  produceData: { transportId: 't1', sctpStreamParameters: { streamId: 0, ordered: true }, label: 'chat' },
  consumeChat: { transportId: 't2' },
  sendChat: { id: 'm-0123456789', senderSeq: 1, kind: 'chat', text: 'hello 你好 👋' },
  chatState: { afterSeq: 12 },
  leave: {},
  resume: { roomId: 'team-standup', peerId: 'a0b1c2', resumeToken: 'x'.repeat(43) },
  ping: {},
  p2pSignal: { sessionId: 's1', signal: { type: 'description', description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }, sources: [{ mid: '0', source: 'mic' }] } },
  p2pReport: { sessionId: 's1', event: 'failed', reason: 'connection-failed' },
  setMuted: { source: 'camera', muted: true },
  knock: { roomId: 'team-standup', displayName: 'Visitor', token: 'eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoieCJ9.c2lnbmF0dXJl' },
  mutePeer: { peerId: 'a0b1c2', source: 'mic' },
  removePeer: { peerId: 'a0b1c2' },
  setRoomAccess: { access: 'lobby' },
  admitKnock: { knockId: 'k1' },
  denyKnock: { knockId: 'k1' },
};

t.test('every request method accepts a valid example', async (t) => {
  t.same(Object.keys(valid).sort(), Object.keys(clientRequestSchemas).sort(), 'examples cover every method');
  for (const method of Object.keys(clientRequestSchemas) as ClientRequestMethod[]) {
    const result = clientRequestSchemas[method].safeParse(valid[method]);
    t.ok(result.success, `${method} accepts its example${result.success ? '' : `: ${result.error.message}`}`);
  }
});

t.test('defaults are filled in', async (t) => {
  t.equal(clientRequestSchemas.createTransport.parse({ direction: 'recv' }).sctp, false);
  t.equal(clientRequestSchemas.produce.parse(valid.produce).paused, false);
});

t.test('display names are trimmed and checked', async (t) => {
  const parse = (displayName: unknown) => clientRequestSchemas.join.safeParse({ roomId: 'r', displayName });
  t.equal(clientRequestSchemas.join.parse({ roomId: 'r', displayName: '  Ada  ' }).displayName, 'Ada');
  t.ok(parse('مرحبا 👋').success, 'any script and emoji are fine');
  t.notOk(parse('   ').success, 'blank');
  t.notOk(parse('x'.repeat(MAX_DISPLAY_NAME_LENGTH + 1)).success, 'too long');
  t.notOk(parse('evil\u0000name').success, 'control characters');
  t.notOk(parse('line\nbreak').success, 'newline');
  t.ok(parse('王小明 👩🏽‍💻 שָׁלוֹם').success, 'CJK, a ZWJ emoji sequence and Hebrew with points are whole characters');
  t.notOk(parse('half \uD83D emoji').success, 'a lone high surrogate (half an emoji)');
  t.notOk(parse('\uDE00 tail').success, 'a lone low surrogate');
  t.notOk(parse(42).success, 'not a string');
});

t.test('malformed requests are rejected with the field that is wrong', async (t) => {
  const cases: Array<[ClientRequestMethod, unknown, string]> = [
    ['join', { roomId: '../etc/passwd', displayName: 'x' }, 'roomId'],
    ['join', { roomId: 'a'.repeat(65), displayName: 'x' }, 'roomId'],
    ['join', { roomId: 'ok', displayName: 'x', peerId: 'spoofed' }, ''],
    ['createTransport', { direction: 'sideways' }, 'direction'],
    ['connectTransport', { transportId: 't', dtlsParameters: { fingerprints: [] } }, 'dtlsParameters.fingerprints'],
    ['connectTransport', { transportId: '', dtlsParameters: generateLocalDtlsParameters() }, 'transportId'],
    ['produce', { ...(valid.produce as object), source: 'keyboard' }, 'source'],
    ['produce', { ...(valid.produce as object), rtpParameters: { codecs: [] } }, 'rtpParameters.codecs'],
    ['produce', { ...(valid.produce as object), rtpParameters: { ...rtpParameters, encodings: new Array(9).fill({}) } }, 'rtpParameters.encodings'],
    ['setConsumerPreferredLayers', { consumerId: 'c', spatialLayer: -1 }, 'spatialLayer'],
    ['setConsumerPreferredLayers', { consumerId: 'c', spatialLayer: 1.5 }, 'spatialLayer'],
    ['leave', { extra: true }, ''],
    ['join', { roomId: 'ok', displayName: 'x', token: 'not a jwt' }, 'token'],
    ['join', { roomId: 'ok', displayName: 'x', token: `a.${'b'.repeat(5000)}.c` }, 'token'],
    ['mutePeer', { peerId: 'p', source: 'keyboard' }, 'source'],
    ['setRoomAccess', { access: 'ajar' }, 'access'],
    ['removePeer', { peerId: '' }, 'peerId'],
    ['pauseConsumer', null, ''],
  ];
  for (const [method, data, path] of cases) {
    const result = clientRequestSchemas[method].safeParse(data);
    t.notOk(result.success, `${method} rejects ${JSON.stringify(data)?.slice(0, 60)}`);
    if (!result.success) t.equal(result.error.issues[0]?.path.join('.'), path, `${method}: the issue names "${path}"`);
  }
});

t.test('envelopes', async (t) => {
  t.ok(clientEnvelopeSchema.safeParse({ kind: 'request', id: 1, method: 'join', data: {} }).success, 'request');
  t.ok(clientEnvelopeSchema.safeParse({ kind: 'response', id: 7, ok: true, data: {} }).success, 'ok response');
  t.ok(
    clientEnvelopeSchema.safeParse({ kind: 'response', id: 7, ok: false, error: { code: 'INTERNAL', message: 'x' } }).success,
    'error response',
  );
  for (const bad of [
    null,
    [],
    'join',
    { kind: 'request', id: -1, method: 'join', data: {} },
    { kind: 'request', id: 1.5, method: 'join', data: {} },
    { kind: 'request', id: '1', method: 'join', data: {} },
    { kind: 'request', id: 1, method: 'x'.repeat(65), data: {} },
    { kind: 'notification', method: 'join', data: {} },
    { kind: 'response', id: 1, ok: false, error: { code: 'MADE_UP', message: 'x' } },
    { kind: 'request', id: 1, method: 'join', data: {}, extra: 1 },
  ]) {
    t.notOk(clientEnvelopeSchema.safeParse(bad).success, `rejects ${JSON.stringify(bad)}`);
  }
});
