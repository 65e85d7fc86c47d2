/**
 * Hostile signaling for fuzz tests: random and crafted messages, reproducible from a seed. Each one
 * says what a correct server does with it: answer it (a response with its id, or an `error`
 * notification when it has no usable id), or nothing at all (a stray response to a request the server
 * never made). Ids of real objects can be mixed in, so ownership checks are what stands between a
 * message and someone else's media.
 */
import { randomUUID } from 'node:crypto';
import { clientRequestSchemas } from '../../protocol/requests.js';
import { MAX_FRAME_BYTES, MAX_MESSAGE_BYTES } from '../../protocol/limits.js';

/** Ids a well-informed attacker could have seen: other peers' transports, producers, consumers. */
export interface TargetIds {
  roomId: string;
  peers: string[];
  transports: string[];
  producers: string[];
  consumers: string[];
}

export type Category =
  | 'bad-json'
  | 'wrong-types'
  | 'unknown-method'
  | 'prototype-keys'
  | 'unknown-ids'
  | 'others-ids'
  | 'out-of-order'
  | 'random-data'
  | 'too-large'
  | 'binary'
  | 'stray-response';

export interface HostileMessage {
  category: Category;
  payload: string | Buffer;
  /** Whether the server must answer it (response or `error` notification). */
  answered: boolean;
}

/** mulberry32: small, fast, seedable; good enough to pick among cases reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = Object.keys(clientRequestSchemas);
const OBJECT_METHODS: Array<[method: string, field: 'transportId' | 'producerId' | 'consumerId']> = [
  ['connectTransport', 'transportId'],
  ['restartIce', 'transportId'],
  ['produce', 'transportId'],
  ['consumeChat', 'transportId'],
  ['produceData', 'transportId'],
  ['closeProducer', 'producerId'],
  ['pauseProducer', 'producerId'],
  ['resumeProducer', 'producerId'],
  ['pauseConsumer', 'consumerId'],
  ['resumeConsumer', 'consumerId'],
  ['setConsumerPreferredLayers', 'consumerId'],
];
const FINGERPRINT = { algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' };
const RTP_PARAMETERS = {
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
  encodings: [{ ssrc: 1111 }],
};

export class HostileTraffic {
  readonly #random: () => number;
  readonly #targets: TargetIds;
  #nextId = 1;

  constructor(seed: number, targets: TargetIds) {
    this.#random = seededRandom(seed);
    this.#targets = targets;
  }

  /** The next message of a random category (huge frames excluded: see `hugeFrame`). */
  next(): HostileMessage {
    const makers: Array<() => HostileMessage> = [
      () => this.badJson(),
      () => this.wrongTypes(),
      () => this.unknownMethod(),
      () => this.prototypeKeys(),
      () => this.unknownIds(),
      () => this.othersIds(),
      () => this.othersIds(),
      () => this.outOfOrder(),
      () => this.randomData(),
      () => this.randomData(),
      () => this.binary(),
      () => this.strayResponse(),
    ];
    return this.#pick(makers)();
  }

  /** Well-formed requests that must fail on their merits (NOT_FOUND, NOT_JOINED, INVALID_STATE...). */
  nextWellFormed(): HostileMessage {
    return this.#pick([() => this.unknownIds(), () => this.othersIds(), () => this.othersIds(), () => this.outOfOrder()])();
  }

  badJson(): HostileMessage {
    const id = this.#id();
    const payload = this.#pick([
      `{"kind":"request","id":${id},"method":"join"`,
      '{not json',
      '',
      ' ',
      'null',
      '[]',
      '"request"',
      '42',
      `{"kind":"request","id":${id},"method":"join","data":{"roomId":"x","displayName":"\\ud800"}`,
      '['.repeat(5000) + ']'.repeat(5000),
      `{"kind":"request","id":${id},"method":"ping","data":{}}}`,
      String.fromCharCode(...Array.from({ length: 64 }, () => Math.floor(this.#random() * 256))),
    ]);
    return { category: 'bad-json', payload, answered: true };
  }

  wrongTypes(): HostileMessage {
    const envelope = this.#pick<Record<string, unknown>>([
      { kind: 'request', id: 'one', method: 'ping', data: {} },
      { kind: 'request', id: -1, method: 'ping', data: {} },
      { kind: 'request', id: 1.5, method: 'ping', data: {} },
      { kind: 'request', id: Number.MAX_SAFE_INTEGER + 2, method: 'ping', data: {} },
      { kind: 'request', id: this.#id(), method: 42, data: {} },
      { kind: 'request', id: this.#id(), method: ['join'], data: {} },
      { kind: 'notification', method: 'peerJoined', data: {} },
      { kind: 'request', id: this.#id(), method: 'join', data: [] },
      { kind: 'request', id: this.#id(), method: 'join', data: { roomId: 7, displayName: true } },
      { kind: 'request', id: this.#id(), method: 'join', data: { roomId: '../../etc', displayName: 'x' } },
      { kind: 'request', id: this.#id(), method: 'createTransport', data: { direction: 'sideways' } },
      { kind: 'request', id: this.#id(), method: 'setConsumerPreferredLayers', data: { consumerId: 'c', spatialLayer: -1 } },
      { kind: 'request', id: this.#id(), method: 'ping', data: { extra: 'field' } },
      { kind: 'request', id: this.#id(), method: 'ping', data: {}, extra: true },
      { kind: 'response', id: this.#id(), ok: 'yes', data: {} },
      { kind: 'response', id: this.#id(), ok: false, error: { code: 'NOPE', message: 'x' } },
    ]);
    return { category: 'wrong-types', payload: JSON.stringify(envelope), answered: true };
  }

  unknownMethod(): HostileMessage {
    const method = this.#pick(['selfDestruct', 'dumpRouter', 'closeRoom', 'JOIN', 'join ', 'x'.repeat(64), 'eval', 'kick']);
    return { category: 'unknown-method', payload: this.#request(method, {}), answered: true };
  }

  /** Keys that bite code looking methods or fields up on plain objects. */
  prototypeKeys(): HostileMessage {
    const payload = this.#pick([
      this.#request('__proto__', {}),
      this.#request('constructor', {}),
      this.#request('toString', {}),
      this.#request('hasOwnProperty', {}),
      `{"kind":"request","id":${this.#id()},"method":"join","data":{"__proto__":{"admin":true},"roomId":"r","displayName":"x"}}`,
      `{"__proto__":{"kind":"request"},"id":${this.#id()},"method":"ping","data":{}}`,
      `{"kind":"request","id":${this.#id()},"method":"produce","data":{"constructor":{"prototype":{"polluted":1}}}}`,
    ]);
    return { category: 'prototype-keys', payload, answered: true };
  }

  unknownIds(): HostileMessage {
    const [method, field] = this.#pick(OBJECT_METHODS);
    return { category: 'unknown-ids', payload: this.#request(method, this.#objectRequest(method, field, randomUUID())), answered: true };
  }

  othersIds(): HostileMessage {
    const [method, field] = this.#pick(OBJECT_METHODS);
    const pool = field === 'transportId' ? this.#targets.transports : field === 'producerId' ? this.#targets.producers : this.#targets.consumers;
    const id = pool.length > 0 ? this.#pick(pool) : randomUUID();
    return { category: 'others-ids', payload: this.#request(method, this.#objectRequest(method, field, id)), answered: true };
  }

  /** Valid requests in an order the protocol does not allow (or for someone else's session). */
  outOfOrder(): HostileMessage {
    const { roomId, peers } = this.#targets;
    // Rare: a joined socket that leaves is closed (4002), which ends its share of the test.
    if (this.#random() < 0.03) return { category: 'out-of-order', payload: this.#request('leave', {}), answered: true };
    const payload = this.#pick([
      this.#request('setCapabilities', { rtpCapabilities: { codecs: [] } }),
      this.#request('createTransport', { direction: this.#pick(['send', 'recv']) }),
      this.#request('chatState', {}),
      this.#request('join', { roomId, displayName: 'Mallory' }),
      this.#request('resume', { roomId, peerId: peers.length > 0 ? this.#pick(peers) : 'nobody', resumeToken: 'A'.repeat(43) }),
      this.#request('produce', { transportId: randomUUID(), kind: 'audio', rtpParameters: RTP_PARAMETERS, source: 'mic' }),
    ]);
    return { category: 'out-of-order', payload, answered: true };
  }

  /** Any method, with data made of random JSON. */
  randomData(): HostileMessage {
    return { category: 'random-data', payload: this.#request(this.#pick(METHODS), this.#randomValue(3)), answered: true };
  }

  binary(): HostileMessage {
    const bytes = Buffer.alloc(1 + Math.floor(this.#random() * 512));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(this.#random() * 256);
    return { category: 'binary', payload: bytes, answered: true };
  }

  /** A response to a request the server never sent: ignored, without an answer. */
  strayResponse(): HostileMessage {
    return { category: 'stray-response', payload: JSON.stringify({ kind: 'response', id: 1_000_000 + this.#id(), ok: true, data: {} }), answered: false };
  }

  /** Over MAX_MESSAGE_BYTES: a TOO_LARGE error; over MAX_FRAME_BYTES: the socket is closed (1009). */
  hugeFrame(closing: boolean): HostileMessage {
    const size = closing ? MAX_FRAME_BYTES + 1 : MAX_MESSAGE_BYTES + 1 + Math.floor(this.#random() * MAX_MESSAGE_BYTES);
    const payload = JSON.stringify({ kind: 'request', id: this.#id(), method: 'join', data: { roomId: 'r', displayName: 'x'.repeat(size) } });
    return { category: 'too-large', payload, answered: !closing };
  }

  #objectRequest(method: string, field: string, id: string): Record<string, unknown> {
    switch (method) {
      case 'connectTransport':
        return { transportId: id, dtlsParameters: { role: 'client', fingerprints: [FINGERPRINT] } };
      case 'produce':
        return { transportId: id, kind: 'video', rtpParameters: RTP_PARAMETERS, source: 'camera' };
      case 'produceData':
        return { transportId: id, sctpStreamParameters: { streamId: 1 }, label: 'chat' };
      case 'setConsumerPreferredLayers':
        return { consumerId: id, spatialLayer: 0 };
      default:
        return { [field]: id };
    }
  }

  #randomValue(depth: number): unknown {
    const kind = Math.floor(this.#random() * (depth > 0 ? 8 : 6));
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.#random() < 0.5;
      case 2:
        return this.#pick([0, -1, 1e308, -0, 2 ** 53, 3.14]);
      case 3:
        return this.#pick(['', 'x', '\u0000', '💥', 'a'.repeat(300), randomUUID(), ...this.#targets.transports]);
      case 4:
        return this.#pick(this.#targets.producers.length > 0 ? this.#targets.producers : ['p']);
      case 5:
        return this.#pick(['send', 'recv', 'audio', 'video', 'mic', 'camera']);
      case 6:
        return Array.from({ length: Math.floor(this.#random() * 4) }, () => this.#randomValue(depth - 1));
      default: {
        const keys = ['transportId', 'producerId', 'consumerId', 'roomId', 'displayName', 'direction', 'kind', 'source', 'data', 'x'];
        const object: Record<string, unknown> = {};
        for (let i = Math.floor(this.#random() * 4); i > 0; i--) object[this.#pick(keys)] = this.#randomValue(depth - 1);
        return object;
      }
    }
  }

  #request(method: string, data: unknown): string {
    return JSON.stringify({ kind: 'request', id: this.#id(), method, data });
  }

  #id(): number {
    return this.#nextId++;
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)]!;
  }
}
