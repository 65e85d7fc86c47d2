/**
 * Every open room, by id. Rooms are created on first join on the least-loaded worker, and forgotten
 * when they close. When a worker dies, its rooms are rebuilt on a live one (worker-recovery.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ChatOptions } from '../chat/room-chat.js';
import { CLOSE_CODES } from '../../protocol/errors.js';
import type { WorkerPool, WorkerSlot } from '../media/worker-pool.js';
import { RequestError } from '../signaling/errors.js';
import { Room } from './room.js';
import { WorkerRecovery } from './worker-recovery.js';
import type { P2PConfig } from '../config.js';

export interface RoomRegistryOptions {
  pool: WorkerPool;
  maxPeersPerRoom: number;
  logger: FastifyBaseLogger;
  chat: ChatOptions;
  p2p: P2PConfig;
  /** Rooms hand out moderation themselves (no join tokens on this server): see moderation.ts. */
  autoModerator?: boolean;
}

export class RoomRegistry {
  readonly rooms = new Map<string, Room>();
  readonly #pending = new Map<string, Promise<Room>>();
  /** Rooms being created, per worker: counted as load so concurrent creations spread out. */
  readonly #creating = new Map<WorkerSlot['worker'], number>();
  readonly #options: RoomRegistryOptions;
  readonly recovery: WorkerRecovery;
  readonly #createdListeners = new Set<(room: Room) => void>();
  #accepting = true;

  constructor(options: RoomRegistryOptions) {
    this.#options = options;
    this.recovery = new WorkerRecovery({
      pool: options.pool,
      roomsOn: (slot) => [...this.rooms.values()].filter((room) => room.slot.worker === slot.worker),
      loadOf: (slot) => this.loadOf(slot),
      logger: options.logger.child({ component: 'worker-recovery' }),
    });
  }

  /** False once the server drains for shutdown: no room is created or joined any more. */
  get accepting(): boolean {
    return this.#accepting;
  }

  /** Graceful shutdown, step one (server/lifecycle/shutdown.ts). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** The open room with this id, created if needed. Concurrent callers get the same room. */
  async getOrCreate(roomId: string): Promise<Room> {
    if (!this.#accepting) throw new RequestError('INVALID_STATE', 'the server is shutting down');
    const existing = this.rooms.get(roomId);
    if (existing && !existing.closed) return existing;
    const pending = this.#pending.get(roomId);
    if (pending) return pending;
    const creating = this.#create(roomId).finally(() => this.#pending.delete(roomId));
    this.#pending.set(roomId, creating);
    return creating;
  }

  /** Called with every new room, before anyone joins it (server/cluster/ spans rooms across nodes). */
  onRoomCreated(listener: (room: Room) => void): () => void {
    this.#createdListeners.add(listener);
    return () => this.#createdListeners.delete(listener);
  }

  /** Peers placed on the slot's worker: the load measure for placing new rooms. */
  loadOf(slot: WorkerSlot): number {
    let load = this.#creating.get(slot.worker) ?? 0;
    for (const room of this.rooms.values()) {
      if (room.slot.worker === slot.worker) load += 1 + room.peers.size;
    }
    return load;
  }

  closeAll(reason: { code: (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES]; message: string }): void {
    for (const room of [...this.rooms.values()]) room.close(reason);
  }

  async #create(roomId: string): Promise<Room> {
    const slot = this.#options.pool.pick((candidate) => this.loadOf(candidate));
    this.#creating.set(slot.worker, (this.#creating.get(slot.worker) ?? 0) + 1);
    let room: Room;
    try {
      room = await Room.create({
        id: roomId,
        slot,
        maxPeers: this.#options.maxPeersPerRoom,
        chat: this.#options.chat,
        p2p: this.#options.p2p,
        autoModerator: this.#options.autoModerator ?? false,
        logger: this.#options.logger.child({ room: roomId }),
      });
    } finally {
      const left = (this.#creating.get(slot.worker) ?? 1) - 1;
      if (left > 0) this.#creating.set(slot.worker, left);
      else this.#creating.delete(slot.worker);
    }
    this.rooms.set(roomId, room);
    room.once('close', () => {
      if (this.rooms.get(roomId) === room) this.rooms.delete(roomId);
    });
    for (const listener of this.#createdListeners) {
      try {
        listener(room);
      } catch (error) {
        this.#options.logger.error({ err: error, room: roomId }, 'room-created listener failed');
      }
    }
    return room;
  }

}
