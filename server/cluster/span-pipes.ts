/**
 * The pipes of one room on this node: one PipeLink per other node serving the room. The node with the
 * smaller id offers (`pipeOffer`: its IP, port and SRTP key), the other answers (`pipeAnswer`), so a
 * pair of nodes never builds two pipes. Once connected, each side pipes its own people's producers
 * (`producer`), and then each new one; their pause, resume and close follow on the signed channel.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Producer } from 'mediasoup/node/lib/types.js';
import { toWire } from '../media/wire.js';
import type { ProducerAppData } from '../rooms/peer.js';
import type { Room } from '../rooms/room.js';
import type { ClusterMessageBody } from './messages.js';
import { PipeLink, type PipeEndpoint, type PipedProducer } from './pipe-link.js';

export interface SpanPipesOptions {
  room: Room;
  nodeId: string;
  pipeListen: { ip: string; announcedIp: string };
  send(to: string, body: ClusterMessageBody): Promise<void>;
  /** Producers of the people this node serves (not those piped in). */
  localProducers(): Iterable<Producer<ProducerAppData>>;
  /** Runs a task in the span's one-at-a-time queue. */
  serialized(task: () => Promise<void>): Promise<void>;
  logger: FastifyBaseLogger;
}

export class SpanPipes {
  readonly #options: SpanPipesOptions;
  readonly #links = new Map<string, PipeLink>();

  constructor(options: SpanPipesOptions) {
    this.#options = options;
  }

  /** Pipes that carry media now. */
  get connected(): number {
    return [...this.#links.values()].filter((link) => link.connected).length;
  }

  /** Offers a pipe to `nodeId` if this node is the one to offer and has none yet. */
  async ensure(nodeId: string): Promise<void> {
    if (this.#links.has(nodeId) || this.#options.nodeId > nodeId) return;
    const link = await PipeLink.create(this.#options.room.router, nodeId, this.#options.pipeListen);
    this.#links.set(nodeId, link);
    void this.#options.send(nodeId, { type: 'pipeOffer', ...link.endpoint });
  }

  async answer(from: string, offer: PipeEndpoint): Promise<void> {
    // A pipe we had to that node is stale (it set its side up again).
    this.close(from);
    const link = await PipeLink.create(this.#options.room.router, from, this.#options.pipeListen);
    this.#links.set(from, link);
    await link.connect(offer);
    void this.#options.send(from, { type: 'pipeAnswer', ...link.endpoint });
    this.#options.logger.info({ node: from }, 'pipe to node connected (answered)');
    await this.#pipeAllTo(link);
  }

  async answered(from: string, answer: PipeEndpoint): Promise<void> {
    const link = this.#links.get(from);
    if (!link || link.connected) return;
    await link.connect(answer);
    this.#options.logger.info({ node: from }, 'pipe to node connected (offered)');
    await this.#pipeAllTo(link);
  }

  /** Produces a producer of `from`'s people here; null without a connected pipe to that node. */
  async pipeIn(from: string, piped: PipedProducer): Promise<Producer<ProducerAppData> | null> {
    const link = this.#links.get(from);
    if (!link?.connected) return null;
    return link.pipeIn(piped);
  }

  /** A new producer of one of this node's people: into every connected pipe. */
  pipeToAll(producer: Producer<ProducerAppData>): void {
    for (const link of this.#links.values()) {
      if (link.connected) void this.#options.serialized(() => this.#pipeOut(link, producer));
    }
  }

  /** Closes the pipe to one node (it left the room or died): what came through it closes too. */
  close(nodeId: string): void {
    this.#links.get(nodeId)?.close();
    this.#links.delete(nodeId);
  }

  closeAll(): void {
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
  }

  async #pipeAllTo(link: PipeLink): Promise<void> {
    for (const producer of this.#options.localProducers()) await this.#pipeOut(link, producer);
  }

  async #pipeOut(link: PipeLink, producer: Producer<ProducerAppData>): Promise<void> {
    const to = link.remoteNodeId;
    const send = this.#options.send;
    const piped = await link
      .pipeOut(producer, {
        closed: (producerId) => void send(to, { type: 'producerClosed', producerId }),
        paused: (producerId) => void send(to, { type: 'producerPaused', producerId }),
        resumed: (producerId) => void send(to, { type: 'producerResumed', producerId }),
      })
      .catch((error: unknown) => {
        if (!producer.closed && !link.closed) this.#options.logger.warn({ err: error, producerId: producer.id }, 'could not pipe producer');
        return null;
      });
    if (piped) void send(to, { type: 'producer', ...piped, rtpParameters: toWire(piped.rtpParameters) });
  }
}
