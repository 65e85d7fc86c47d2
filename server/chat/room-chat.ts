/**
 * A room's chat, raised hands and reactions. Every message, whatever path it came by (a chat
 * DataProducer, the `sendChat` request), goes through `post()`: de-duplicated by sender + id,
 * permission-checked, rate-limited, stamped with the sender the server knows and the server's time,
 * recorded, then delivered to every peer once: through the relay's DataConsumer to peers that have
 * one, by a `chatMessage` notification to peers that don't (P2P mode, or not set up yet).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { DataConsumer, DataProducer, Router, SctpStreamParameters, WebRtcTransport } from 'mediasoup/node/lib/types.js';
import type {
  ChatLimits,
  ChatMessage,
  ChatRejection,
  ChatSnapshot,
  OutgoingChatMessage,
} from '../../protocol/chat.js';
import type { ChatConsumerOptions } from '../../protocol/requests.js';
import { toWire } from '../media/wire.js';
import type { Peer } from '../rooms/peer.js';
import { RequestError } from '../signaling/errors.js';
import { readChatFrame } from './chat-frame.js';
import { mayPost } from './chat-grant.js';
import { ChatLog } from './chat-log.js';
import { ChatRelay } from './chat-relay.js';
import { ChatSender } from './chat-sender.js';

export interface ChatOptions {
  /** Chat lines kept for late joiners. */
  historySize: number;
  limits: ChatLimits;
}

export interface RoomChatOptions extends ChatOptions {
  logger: FastifyBaseLogger;
  /** Everyone in the room now (the room owns membership; the chat only reads it). */
  peers: () => Iterable<Peer>;
}

/** The mediasoup objects of one peer's chat, all on that peer's transports or the relay's. */
interface ChatMember {
  sender: ChatSender;
  /** The client's chat DataProducer on its send transport. */
  producer?: DataProducer;
  /** The server's reader of `producer` (on the relay's DirectTransport). */
  reader?: DataConsumer;
  /** The client's DataConsumer of the relay, on its receive transport. */
  subscription?: DataConsumer;
  /** That receive transport: what the relay sends is lost until its SCTP association is up. */
  subscriptionTransport?: WebRtcTransport;
}

export type PostResult = { ok: true; message: ChatMessage; repeated: boolean } | { ok: false; rejection: ChatRejection };

export class RoomChat {
  readonly #log: ChatLog;
  readonly #limits: ChatLimits;
  readonly #logger: FastifyBaseLogger;
  readonly #peers: () => Iterable<Peer>;
  readonly #members = new Map<string, ChatMember>();
  /** The relay being created or in use; null while there is none (before the first router, or failed). */
  #relay: Promise<ChatRelay | null> = Promise.resolve(null);
  #current: ChatRelay | null = null;
  /** Told of every message posted here (a room spanning nodes forwards them: server/cluster/). */
  readonly #postedListeners = new Set<(message: ChatMessage) => void>();
  #closed = false;

  constructor(options: RoomChatOptions) {
    this.#log = new ChatLog(options.historySize);
    this.#limits = options.limits;
    this.#logger = options.logger;
    this.#peers = options.peers;
  }

  /**
   * Puts the relay on `router`. Called when the room is created, and again if its router is rebuilt
   * on another worker: the old relay and every chat data channel died with the old router, while
   * history, hands and the running number carry on. Requests arriving meanwhile wait for the new relay.
   */
  attachRouter(router: Router): Promise<void> {
    const previous = this.#current;
    this.#current = null;
    const ready: Promise<ChatRelay | null> = ChatRelay.create(router).then(
      (relay) => {
        // Closed, or overtaken by a newer router while this one was being set up.
        if (this.#closed || this.#relay !== ready) {
          relay.close();
          return null;
        }
        this.#current = relay;
        return relay;
      },
      (error: unknown) => {
        this.#logger.error({ err: error }, 'could not create the chat relay; chat is unavailable in this room');
        return null;
      },
    );
    this.#relay = ready;
    for (const member of this.#members.values()) {
      member.producer = undefined;
      member.reader = undefined;
      member.subscription = undefined;
    }
    previous?.close();
    return ready.then(() => undefined);
  }

  /** Opens a peer's chat DataProducer on its send transport; the server alone reads it. */
  async addProducer(
    peer: Peer,
    transport: WebRtcTransport,
    params: { sctpStreamParameters: SctpStreamParameters; label: string; protocol: string },
  ): Promise<DataProducer> {
    const relay = await this.#requireRelay();
    if (!transport.sctpParameters) throw new RequestError('INVALID_STATE', 'that transport was created without sctp');
    const member = this.#member(peer.id);
    // A client that sets up its chat channel again (e.g. after a media restart) replaces the old one.
    member.producer?.close();
    const producer = await transport.produceData({ ...params, appData: { peerId: peer.id, purpose: 'chat' } });
    let reader: DataConsumer;
    try {
      reader = await relay.read(producer.id, (payload, ppid) => this.#onFrame(peer, producer, payload, ppid));
    } catch (error) {
      producer.close();
      throw error;
    }
    if (peer.closed || this.#closed) {
      producer.close();
      throw new RequestError('INVALID_STATE', 'you left the room');
    }
    member.producer = producer;
    member.reader = reader;
    producer.on('transportclose', () => {
      if (member.producer === producer) member.producer = member.reader = undefined;
    });
    peer.logger.info({ dataProducerId: producer.id }, 'chat data producer');
    return producer;
  }

  /** Subscribes a peer's receive transport to the relay; returns what its client needs to consume it. */
  async subscribe(peer: Peer, transport: WebRtcTransport): Promise<ChatConsumerOptions> {
    const relay = await this.#requireRelay();
    if (!transport.sctpParameters) throw new RequestError('INVALID_STATE', 'that transport was created without sctp');
    const member = this.#member(peer.id);
    member.subscription?.close();
    const subscription = await relay.subscribe(transport);
    if (peer.closed || this.#closed) {
      subscription.close();
      throw new RequestError('INVALID_STATE', 'you left the room');
    }
    member.subscription = subscription;
    member.subscriptionTransport = transport;
    const forget = (): void => {
      if (member.subscription === subscription) member.subscription = member.subscriptionTransport = undefined;
    };
    subscription.on('transportclose', forget);
    subscription.on('dataproducerclose', forget);
    return {
      dataConsumerId: subscription.id,
      dataProducerId: subscription.dataProducerId,
      sctpStreamParameters: toWire(subscription.sctpStreamParameters ?? {}),
      label: subscription.label,
      protocol: subscription.protocol,
    };
  }

  /**
   * The single entry for a message from `peer`, whatever path it came by. A message whose id this
   * peer already used is not posted again: the stamped original is returned (`repeated`), so a resend
   * after a path switch still gets its answer.
   */
  post(peer: Peer, outgoing: OutgoingChatMessage): PostResult {
    if (this.#closed) return refusal('INVALID_STATE', 'the room is closed', outgoing.id);
    const member = this.#member(peer.id);
    const earlier = member.sender.posted(outgoing.id);
    if (earlier) return { ok: true, message: earlier, repeated: true };
    if (!mayPost(peer, outgoing.kind)) return refusal('FORBIDDEN', 'you may not post in this room', outgoing.id);
    if (!member.sender.takeToken()) {
      return refusal('RATE_LIMITED', `too many messages: at most ${this.#limits.perSecond} per second`, outgoing.id);
    }
    const message = this.#stamp(peer, outgoing);
    this.#log.record(message);
    member.sender.remember(message);
    this.#deliver(message);
    for (const listener of this.#postedListeners) {
      try {
        listener(message);
      } catch (error) {
        this.#logger.error({ err: error }, 'chat posted listener failed');
      }
    }
    return { ok: true, message, repeated: false };
  }

  onPosted(listener: (message: ChatMessage) => void): () => void {
    this.#postedListeners.add(listener);
    return () => this.#postedListeners.delete(listener);
  }

  /**
   * A message another node already checked and stamped, from `sender` (a peer of that node). It gets
   * this room's next number, since numbers are per node: each client counts those of its own node.
   */
  postFromNode(sender: Peer, message: OutgoingChatMessage, stamp: { senderName: string; timestamp: number }): void {
    if (this.#closed) return;
    const local = this.#stamp(sender, message);
    const relayed: ChatMessage = { ...local, senderName: stamp.senderName, timestamp: stamp.timestamp };
    this.#log.record(relayed);
    this.#deliver(relayed);
  }

  /** Counts a refusal of a `sendChat` request (its answer carries the error). */
  noteRefusal(peer: Peer): void {
    this.#member(peer.id).sender.refused();
  }

  /** Chat lines after `afterSeq` of numbering `logId`; all kept ones for another (or no) numbering. */
  snapshot(afterSeq = 0, logId?: string): ChatSnapshot {
    return {
      messages: this.#log.history(logId === undefined || logId === this.#log.id ? afterSeq : 0),
      raisedHands: this.#log.raisedHands(),
      latestSeq: this.#log.latestSeq,
      logId: this.#log.id,
      limits: this.#limits,
    };
  }

  /** The peer left the room: its hand comes down; its data channels closed with its transports. */
  forget(peerId: string): void {
    this.#log.forget(peerId);
    this.#members.delete(peerId);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#current?.close();
    this.#current = null;
    this.#members.clear();
  }

  #onFrame(peer: Peer, producer: DataProducer, payload: Buffer, ppid: number): void {
    if (peer.closed || this.#closed) return;
    const frame = readChatFrame(payload, ppid);
    const result = frame.ok ? this.post(peer, frame.message) : frame;
    if (!result.ok) {
      this.#refuse(peer, producer, result.rejection);
      return;
    }
    // The sender may have missed the relay's copy (its channel was being replaced): answer directly.
    if (result.repeated && this.#member(peer.id).sender.mayReply()) peer.channel.notify('chatMessage', result.message);
  }

  #refuse(peer: Peer, producer: DataProducer, rejection: ChatRejection): void {
    const { sender } = this.#member(peer.id);
    if (sender.mayReply()) peer.channel.notify('chatRejected', rejection);
    peer.logger.debug({ code: rejection.code, reason: rejection.message }, 'chat message refused');
    if (sender.refused() && !producer.closed) {
      peer.logger.warn('closing chat data producer: too many refused messages');
      producer.close();
      peer.channel.notify('chatRejected', { code: 'RATE_LIMITED', message: 'too many refused chat messages; your chat channel was closed' });
    }
  }

  #stamp(peer: Peer, outgoing: OutgoingChatMessage): ChatMessage {
    // Built field by field: nothing from the client's object is copied blindly.
    const stamp = { seq: this.#log.nextSeq(), sender: peer.id, senderName: peer.displayName, timestamp: Date.now() };
    const base = { id: outgoing.id, senderSeq: outgoing.senderSeq, ...stamp };
    switch (outgoing.kind) {
      case 'chat':
        return { ...base, kind: 'chat', text: outgoing.text };
      case 'hand':
        return { ...base, kind: 'hand', raised: outgoing.raised };
      case 'reaction':
        return { ...base, kind: 'reaction', emoji: outgoing.emoji };
    }
  }

  #deliver(message: ChatMessage): void {
    this.#current?.broadcast(JSON.stringify(message));
    for (const peer of this.#peers()) {
      const member = this.#members.get(peer.id);
      const subscription = member?.subscription;
      // The client asks for its DataConsumer before its receive transport has connected (that happens
      // as it consumes): until the SCTP association is up, the relay's copy is dropped by the worker,
      // so signaling carries the message (clients de-duplicate by id if both arrive).
      const reachable = subscription && !subscription.closed && member?.subscriptionTransport?.sctpState === 'connected';
      if (!reachable) peer.channel.notify('chatMessage', message);
    }
  }

  #member(peerId: string): ChatMember {
    let member = this.#members.get(peerId);
    if (!member) {
      member = { sender: new ChatSender(this.#limits) };
      this.#members.set(peerId, member);
    }
    return member;
  }

  async #requireRelay(): Promise<ChatRelay> {
    const relay = await this.#relay;
    if (this.#closed || !relay || relay.closed) throw new RequestError('INVALID_STATE', 'the room chat is not available');
    return relay;
  }
}

function refusal(code: ChatRejection['code'], message: string, id: string): PostResult {
  return { ok: false, rejection: { id, code, message } };
}
