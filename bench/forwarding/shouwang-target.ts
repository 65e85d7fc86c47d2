/**
 * Forwarding target (a): Shouwang's own server stack. A real server (buildApp + worker pool + room
 * registry, as `npm start` runs it, via the test helper's startServer) holds one room; publishers and
 * viewers join it through `Room.join`, produce through `Room.produce`, and the room itself creates every
 * consumer (its `newConsumer` request is answered by a channel that stands in for the client, and the
 * room resumes the consumer on that answer, as with a browser). The room's speaker detection, connection
 * quality polling, chat relay and per-consumer event handling all run.
 *
 * What differs from a browser call: each peer's transport is an SRTP PlainTransport put into the Peer
 * by this script, instead of a WebRtcTransport (ICE + DTLS) made by `Room.createTransport` - a C sink
 * cannot do ICE and DTLS at 200k packets/s. The bare target uses the same PlainTransports, so the
 * comparison isolates Shouwang's layer; the WebRTC transport's own cost is mediasoup's, not ours.
 * Run as a child of bench/forwarding.ts (IPC protocol in target-ipc.ts).
 */
import type { PlainTransport, WebRtcTransport } from 'mediasoup/node/lib/types.js';
import type { ServerRequestMethod, ServerRequests } from '../../protocol/server-messages.js';
import type { PeerChannel } from '../../server/rooms/peer-channel.js';
import type { Peer, TransportAppData } from '../../server/rooms/peer.js';
import type { Room } from '../../server/rooms/room.js';
import { startServer, type TestServer } from '../../test/helpers/server.js';
import { createIngressTransport, createViewerTransport, keyOf, portOf, randomKey, randomSsrc, viewerRtpCapabilities, vp8RtpParameters } from './mediasoup-plain.js';
import type { Suite } from './packet-engine.js';
import { serveTarget, type ProducerEndpoint } from './target-ipc.js';

/** Plays the client: takes every consumer the room offers and remembers its SSRC by producer. */
class BenchChannel implements PeerChannel {
  readonly consumerSsrcs = new Map<string, number>();

  notify(): void {}

  async request<M extends ServerRequestMethod>(method: M, data: ServerRequests[M]['data']): Promise<ServerRequests[M]['response']> {
    if (method === 'newConsumer') {
      const ssrc = data.rtpParameters.encodings?.[0]?.ssrc;
      if (ssrc !== undefined) this.consumerSsrcs.set(data.producerId, ssrc);
    }
    return {} as ServerRequests[M]['response'];
  }

  close(): void {}
}

interface Viewer {
  peer: Peer;
  channel: BenchChannel;
  transport: PlainTransport;
}

let server: TestServer | undefined;
let room: Room;
let suite: Suite;
const viewers: Viewer[] = [];
let publishers = 0;

/** The room only knows WebRTC transports; a PlainTransport has the same close/routerclose surface it uses. */
function attach(peer: Peer, transport: PlainTransport, direction: TransportAppData['direction']): void {
  Object.assign(transport.appData, { peerId: peer.id, direction });
  peer.addTransport(transport as unknown as WebRtcTransport<TransportAppData>);
}

async function waitForConsumers(producerId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (viewers.some((viewer) => !viewer.channel.consumerSsrcs.has(producerId))) {
    if (Date.now() > deadline) throw new Error(`the room did not create every consumer of ${producerId}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

serveTarget(
  async (request) => {
    if (request.type === 'init') {
      suite = request.suite;
      server = await startServer({ workers: 1, maxPeersPerRoom: 100_000 });
      room = await server.app.rooms.getOrCreate('forwarding-bench');
      for (let i = 0; i < request.viewers; i++) {
        const channel = new BenchChannel();
        const { peer } = await room.join(`viewer ${i}`, channel);
        const transport = await createViewerTransport(room.router, suite, request.sinkPort);
        attach(peer, transport, 'recv');
        await room.setCapabilities(peer, { rtpCapabilities: viewerRtpCapabilities, sctpCapabilities: undefined });
        viewers.push({ peer, channel, transport });
      }
      return { type: 'ready', workerPid: room.slot.worker.pid, label: 'Shouwang' };
    }
    const producers: ProducerEndpoint[] = [];
    for (let i = 0; i < request.count; i++) {
      const { peer } = await room.join(`publisher ${publishers++}`, new BenchChannel());
      const keyBase64 = randomKey(suite);
      const ssrc = randomSsrc();
      const ingress = await createIngressTransport(room.router, suite, keyBase64);
      attach(peer, ingress, 'send');
      const producerId = await room.produce(peer, {
        transportId: ingress.id,
        kind: 'video',
        rtpParameters: vp8RtpParameters(ssrc),
        source: 'camera',
        paused: false,
      });
      await waitForConsumers(producerId);
      producers.push({
        port: portOf(ingress),
        ssrc,
        keyBase64,
        consumers: viewers.map((viewer) => ({ ssrc: viewer.channel.consumerSsrcs.get(producerId)!, keyBase64: keyOf(viewer.transport) })),
      });
    }
    return { type: 'producersAdded', producers };
  },
  async () => {
    await server?.close();
  },
);
