/**
 * What another node needs to take a peer over when its node dies: who it is (id, name, grants) and the
 * digest of its current resume token, so only the client holding that token can claim it. The token
 * itself is never stored. Records live in one hash per room and expire a day after the last write,
 * so a cluster that lost every node does not keep them forever.
 */
import type { Grants } from '../auth/grants.js';
import type { Peer } from '../rooms/peer.js';
import type { Redis } from './redis.js';

export interface PeerRecord {
  node: string;
  digest: string;
  displayName: string;
  identity?: string;
  grants: Grants;
  muted: { mic: boolean; camera: boolean };
  joinedAt: number;
}

const peersKey = (roomId: string): string => `sw:room:${roomId}:peers`;
const RECORD_TTL_S = 86_400;

export class PeerDirectory {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async save(roomId: string, node: string, peer: Peer): Promise<void> {
    const digest = peer.resumeSecret.digest;
    if (!digest) return;
    const record: PeerRecord = {
      node,
      digest,
      displayName: peer.displayName,
      ...(peer.identity === undefined ? {} : { identity: peer.identity }),
      grants: peer.grants,
      muted: peer.muted,
      joinedAt: peer.joinedAt,
    };
    await this.#redis.multi().hset(peersKey(roomId), peer.id, JSON.stringify(record)).expire(peersKey(roomId), RECORD_TTL_S).exec();
  }

  async get(roomId: string, peerId: string): Promise<PeerRecord | null> {
    const value = await this.#redis.hget(peersKey(roomId), peerId);
    return value ? (JSON.parse(value) as PeerRecord) : null;
  }

  async all(roomId: string): Promise<Map<string, PeerRecord>> {
    const entries = await this.#redis.hgetall(peersKey(roomId));
    return new Map(Object.entries(entries).map(([id, value]) => [id, JSON.parse(value) as PeerRecord]));
  }

  async remove(roomId: string, peerId: string): Promise<void> {
    await this.#redis.hdel(peersKey(roomId), peerId);
  }
}
