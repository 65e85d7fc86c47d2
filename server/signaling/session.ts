/**
 * What one connection knows about itself: which peer it is, in which room. Set by `join`, and never
 * taken from anything the client sends afterwards.
 */
import type { Cluster } from '../cluster/cluster.js';
import type { Config } from '../config.js';
import type { Peer } from '../rooms/peer.js';
import type { Room } from '../rooms/room.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { RequestObserver } from '../metrics/signaling-metrics.js';
import { RequestError } from './errors.js';
import type { SignalingConnection } from './connection.js';

export class Session {
  readonly connection: SignalingConnection;
  readonly rooms: RoomRegistry;
  readonly config: Config;
  /** This node's cluster, when there is one (REDIS_URL): where rooms live, moving peers between nodes. */
  readonly cluster: Cluster | undefined;
  peer: Peer | undefined;
  room: Room | undefined;
  /** Set while `join` is in flight, so a second `join` cannot race the first. */
  joining = false;
  /** Sees every request's outcome and duration (server/metrics/). */
  readonly observer: RequestObserver | undefined;

  constructor(options: { connection: SignalingConnection; rooms: RoomRegistry; config: Config; observer?: RequestObserver; cluster?: Cluster | undefined }) {
    this.connection = options.connection;
    this.cluster = options.cluster;
    this.rooms = options.rooms;
    this.config = options.config;
    this.observer = options.observer;
  }

  /** The joined peer and its room, or a NOT_JOINED error. */
  member(): { peer: Peer; room: Room } {
    if (!this.peer || !this.room) throw new RequestError('NOT_JOINED', 'join a room first');
    return { peer: this.peer, room: this.room };
  }
}
