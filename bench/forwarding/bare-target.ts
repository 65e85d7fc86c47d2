/**
 * Forwarding target (b): mediasoup with no Shouwang layer - one worker, one router with VP8 only,
 * PlainTransports and producers/consumers created directly, as a minimal mediasoup script would.
 * Run as a child of bench/forwarding.ts (IPC protocol in target-ipc.ts).
 */
import * as mediasoup from 'mediasoup';
import type { PlainTransport, Router, Worker } from 'mediasoup/node/lib/types.js';
import { createIngressTransport, createViewerTransport, keyOf, portOf, randomKey, randomSsrc, viewerRtpCapabilities, vp8RtpParameters } from './mediasoup-plain.js';
import type { Suite } from './packet-engine.js';
import { serveTarget, type ProducerEndpoint } from './target-ipc.js';

let worker: Worker | undefined;
let router: Router;
let suite: Suite;
const viewers: PlainTransport[] = [];

serveTarget(
  async (request) => {
    if (request.type === 'init') {
      suite = request.suite;
      worker = await mediasoup.createWorker({ logLevel: 'warn' });
      router = await worker.createRouter({ mediaCodecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }] });
      for (let i = 0; i < request.viewers; i++) viewers.push(await createViewerTransport(router, suite, request.sinkPort));
      return { type: 'ready', workerPid: worker.pid, label: 'bare mediasoup' };
    }
    const producers: ProducerEndpoint[] = [];
    for (let i = 0; i < request.count; i++) {
      const keyBase64 = randomKey(suite);
      const ssrc = randomSsrc();
      const ingress = await createIngressTransport(router, suite, keyBase64);
      const producer = await ingress.produce({ kind: 'video', rtpParameters: vp8RtpParameters(ssrc) });
      const consumers: ProducerEndpoint['consumers'] = [];
      for (const viewer of viewers) {
        const consumer = await viewer.consume({ producerId: producer.id, rtpCapabilities: viewerRtpCapabilities });
        consumers.push({ ssrc: consumer.rtpParameters.encodings![0]!.ssrc!, keyBase64: keyOf(viewer) });
      }
      producers.push({ port: portOf(ingress), ssrc, keyBase64, consumers });
    }
    return { type: 'producersAdded', producers };
  },
  async () => {
    worker?.close();
  },
);
