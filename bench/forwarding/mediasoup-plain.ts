/**
 * The mediasoup pieces both mediasoup targets share, so "bare" and "Shouwang" differ only in the layer
 * above: an SRTP PlainTransport a sender pushes one VP8 stream into, an SRTP PlainTransport per viewer
 * towards the sink, and what a receiver says it can take (VP8 with NACK/PLI/FIR, as a browser would).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { PlainTransport, Router, RtpCapabilities, RtpParameters } from 'mediasoup/node/lib/types.js';
import { SUITES, type Suite } from './packet-engine.js';
import { VP8_PAYLOAD_TYPE } from './rtp-source.js';

export const vp8Feedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];

/** A receiver that takes VP8 only and no header extensions (the sink ignores them anyway). */
export const viewerRtpCapabilities: RtpCapabilities = {
  codecs: [{ kind: 'video', mimeType: 'video/VP8', preferredPayloadType: VP8_PAYLOAD_TYPE, clockRate: 90000, rtcpFeedback: vp8Feedback }],
  headerExtensions: [],
};

export function randomKey(suite: Suite): string {
  return randomBytes(SUITES[suite].keyBytes).toString('base64');
}

export function randomSsrc(): number {
  return randomInt(1, 2 ** 31);
}

/** A transport that learns the sender's address from its first packet (comedia) and decrypts with `keyBase64`. */
export async function createIngressTransport(router: Router, suite: Suite, keyBase64: string): Promise<PlainTransport> {
  const transport = await router.createPlainTransport({
    listenIp: { ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: true,
    enableSrtp: true,
    srtpCryptoSuite: SUITES[suite].mediasoup,
  });
  await transport.connect({ srtpParameters: { cryptoSuite: SUITES[suite].mediasoup, keyBase64 } });
  return transport;
}

/** A transport that sends to the sink, encrypting with the key mediasoup generated (`srtpParameters`). */
export async function createViewerTransport(router: Router, suite: Suite, sinkPort: number): Promise<PlainTransport> {
  const transport = await router.createPlainTransport({
    listenIp: { ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: false,
    enableSrtp: true,
    srtpCryptoSuite: SUITES[suite].mediasoup,
  });
  // The key given here would decrypt what the sink sends back: it sends nothing.
  await transport.connect({ ip: '127.0.0.1', port: sinkPort, srtpParameters: { cryptoSuite: SUITES[suite].mediasoup, keyBase64: randomKey(suite) } });
  return transport;
}

export function vp8RtpParameters(ssrc: number): RtpParameters {
  return {
    codecs: [{ mimeType: 'video/VP8', payloadType: VP8_PAYLOAD_TYPE, clockRate: 90000, rtcpFeedback: vp8Feedback }],
    encodings: [{ ssrc }],
    headerExtensions: [],
  };
}

export function portOf(transport: PlainTransport): number {
  return transport.tuple.localPort;
}

export function keyOf(transport: PlainTransport): string {
  const key = transport.srtpParameters?.keyBase64;
  if (!key) throw new Error('transport has no SRTP parameters');
  return key;
}
