/**
 * Media between this node and one other node, for one room: a pair of mediasoup PipeTransports (plain
 * RTP over UDP, SRTP-encrypted because it crosses the network, with RTX/NACK for losses). Each node
 * consumes its own people's producers into the pipe (`pipeOut`); the other side produces them into its
 * router with the same producer id (`pipeIn`), where its people consume them like local ones.
 */
import type { Consumer, PipeTransport, Producer, Router, RtpParameters, SrtpParameters } from 'mediasoup/node/lib/types.js';
import type { ProducerAppData } from '../rooms/peer.js';

export interface PipeEndpoint {
  ip: string;
  port: number;
  srtp: { cryptoSuite: string; keyBase64: string };
}

/** What the other node needs to produce one of our producers on its side. */
export interface PipedProducer {
  peerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: RtpParameters;
  paused: boolean;
  source: ProducerAppData['source'];
  videoSize?: { width: number; height: number };
}

export interface PipeOutEvents {
  closed: (producerId: string) => void;
  paused: (producerId: string) => void;
  resumed: (producerId: string) => void;
}

export class PipeLink {
  readonly remoteNodeId: string;
  readonly #transport: PipeTransport;
  /** Our producers sent through this link, by producer id. */
  readonly #out = new Map<string, Consumer>();
  #connected = false;

  private constructor(remoteNodeId: string, transport: PipeTransport) {
    this.remoteNodeId = remoteNodeId;
    this.#transport = transport;
  }

  static async create(router: Router, remoteNodeId: string, listen: { ip: string; announcedIp: string }): Promise<PipeLink> {
    const transport = await router.createPipeTransport({
      listenIp: { ip: listen.ip, announcedIp: listen.announcedIp },
      enableSrtp: true,
      enableRtx: true,
      appData: { purpose: 'cluster-pipe', remoteNodeId },
    });
    return new PipeLink(remoteNodeId, transport);
  }

  get connected(): boolean {
    return this.#connected && !this.#transport.closed;
  }

  get closed(): boolean {
    return this.#transport.closed;
  }

  get endpoint(): PipeEndpoint {
    const srtp = this.#transport.srtpParameters;
    if (!srtp) throw new Error('pipe transport has no SRTP parameters');
    return { ip: this.#transport.tuple.localIp, port: this.#transport.tuple.localPort, srtp: { cryptoSuite: srtp.cryptoSuite, keyBase64: srtp.keyBase64 } };
  }

  async connect(remote: PipeEndpoint): Promise<void> {
    await this.#transport.connect({
      ip: remote.ip,
      port: remote.port,
      srtpParameters: { cryptoSuite: remote.srtp.cryptoSuite as SrtpParameters['cryptoSuite'], keyBase64: remote.srtp.keyBase64 },
    });
    this.#connected = true;
  }

  hasOut(producerId: string): boolean {
    return this.#out.has(producerId);
  }

  /**
   * Sends one of our producers through the pipe; returns what the other side must produce, or null if
   * it was already piped or is gone. `events` follow the producer's life (the other side mirrors it).
   */
  async pipeOut(producer: Producer<ProducerAppData>, events: PipeOutEvents): Promise<PipedProducer | null> {
    if (this.#out.has(producer.id) || producer.closed || this.#transport.closed) return null;
    const consumer = await this.#transport.consume({ producerId: producer.id });
    if (this.#out.has(producer.id)) {
      consumer.close();
      return null;
    }
    this.#out.set(producer.id, consumer);
    consumer.on('producerclose', () => {
      this.#out.delete(producer.id);
      events.closed(producer.id);
    });
    consumer.on('transportclose', () => this.#out.delete(producer.id));
    consumer.on('producerpause', () => events.paused(producer.id));
    consumer.on('producerresume', () => events.resumed(producer.id));
    return {
      peerId: producer.appData.peerId,
      producerId: producer.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      paused: consumer.producerPaused,
      source: producer.appData.source,
      ...(producer.appData.videoSize ? { videoSize: producer.appData.videoSize } : {}),
    };
  }

  /** Produces the other node's producer here, with the same id, so its consumers here can use it. */
  pipeIn(piped: PipedProducer): Promise<Producer<ProducerAppData>> {
    return this.#transport.produce<ProducerAppData>({
      id: piped.producerId,
      kind: piped.kind,
      rtpParameters: piped.rtpParameters,
      paused: piped.paused,
      appData: { peerId: piped.peerId, source: piped.source, ...(piped.videoSize ? { videoSize: piped.videoSize } : {}) },
    });
  }

  /** Closes the transport: our pipe consumers and the producers piped in through it go with it. */
  close(): void {
    this.#transport.close();
    this.#out.clear();
  }
}
