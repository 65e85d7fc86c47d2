/**
 * Gauges and counters read from the rooms and the mediasoup workers when Prometheus scrapes: rooms
 * (by media mode), peers, transports, producers, consumers, per-worker CPU, and bytes through the SFU.
 * Nothing is kept in step by hand: each scrape counts what exists.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebRtcTransport, Worker } from 'mediasoup/node/lib/types.js';
import type { WorkerPool } from '../media/worker-pool.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { Room } from '../rooms/room.js';

interface ByteCount {
  received: number;
  sent: number;
}

export function registerMediaMetrics(registry: Registry, media: WorkerPool, rooms: RoomRegistry): void {
  const registers = [registry];
  const roomsInMode = () => {
    const counts = { sfu: 0, p2p: 0 };
    for (const room of rooms.rooms.values()) counts[room.mediaMode] += 1;
    return counts;
  };
  const sum = (count: (room: Room) => number) => {
    let total = 0;
    for (const room of rooms.rooms.values()) total += count(room);
    return total;
  };
  const perPeer = (field: 'transports' | 'producers' | 'consumers') =>
    sum((room) => [...room.peers.values()].reduce((n, peer) => n + peer[field].size, 0));

  new Gauge({
    name: 'shouwang_rooms',
    help: 'Open rooms, by how their media travels: sfu (through the server) or p2p (browser to browser).',
    labelNames: ['mode'],
    registers,
    collect() {
      const counts = roomsInMode();
      this.set({ mode: 'sfu' }, counts.sfu);
      this.set({ mode: 'p2p' }, counts.p2p);
    },
  });
  new Gauge({ name: 'shouwang_peers', help: 'Participants in rooms.', registers, collect() { this.set(sum((room) => room.peers.size)); } });
  new Gauge({ name: 'shouwang_transports', help: 'WebRTC transports on the SFU.', registers, collect() { this.set(perPeer('transports')); } });
  new Gauge({ name: 'shouwang_producers', help: 'Media tracks sent into the SFU.', registers, collect() { this.set(perPeer('producers')); } });
  new Gauge({ name: 'shouwang_consumers', help: 'Media tracks sent out of the SFU.', registers, collect() { this.set(perPeer('consumers')); } });
  new Gauge({
    name: 'shouwang_workers_alive',
    help: 'mediasoup workers running (the configured count when healthy).',
    registers,
    collect() {
      this.set(media.slots.filter((slot) => !slot.worker.died && !slot.worker.closed).length);
    },
  });

  // A counter that restarts from zero when a worker is replaced (Prometheus' rate() handles resets).
  new Counter({
    name: 'shouwang_worker_cpu_seconds_total',
    help: 'CPU time used by each mediasoup worker process, by mode (user or system).',
    labelNames: ['worker', 'mode'],
    registers,
    async collect() {
      const usages = await Promise.all(
        media.slots.map(async (slot) => ({ slot, usage: await slot.worker.getResourceUsage().catch(() => undefined) })),
      );
      this.reset();
      for (const { slot, usage } of usages) {
        if (!usage) continue;
        this.inc({ worker: String(slot.index), mode: 'user' }, usage.ru_utime / 1000);
        this.inc({ worker: String(slot.index), mode: 'system' }, usage.ru_stime / 1000);
      }
    },
  });

  const bytes = new TransportBytes(media);
  new Counter({
    name: 'shouwang_media_bytes_total',
    help: 'Bytes through the SFU: received from browsers (in) and sent to them (out), over all transports.',
    labelNames: ['direction'],
    registers,
    async collect() {
      const total = await bytes.total();
      this.reset();
      this.inc({ direction: 'in' }, total.received);
      this.inc({ direction: 'out' }, total.sent);
    },
  });
}

/**
 * Bytes over every WebRTC transport, including closed ones: a transport's last figures (from the scrape
 * before it closed) are kept when it closes, so the total does not drop as people leave. What a transport
 * carried after the last scrape before its close is not counted.
 */
class TransportBytes {
  readonly #live = new Map<WebRtcTransport, ByteCount>();
  readonly #retired: ByteCount = { received: 0, sent: 0 };
  readonly #watched = new WeakSet<Worker>();

  constructor(media: WorkerPool) {
    for (const slot of media.slots) this.#watch(slot.worker);
    media.on('workerReplaced', (slot) => this.#watch(slot.worker));
  }

  async total(): Promise<ByteCount> {
    await Promise.all(
      [...this.#live.keys()].map(async (transport) => {
        const stats = await transport.getStats().catch(() => []);
        const last = stats[0];
        if (last && this.#live.has(transport)) this.#live.set(transport, { received: last.bytesReceived, sent: last.bytesSent });
      }),
    );
    const total = { ...this.#retired };
    for (const count of this.#live.values()) {
      total.received += count.received;
      total.sent += count.sent;
    }
    return total;
  }

  #watch(worker: Worker): void {
    if (this.#watched.has(worker)) return;
    this.#watched.add(worker);
    worker.observer.on('newrouter', (router) => {
      router.observer.on('newtransport', (transport) => {
        // Only browsers' transports: the chat relay's DirectTransport moves nothing over the network.
        if (transport.constructor.name !== 'WebRtcTransport') return;
        const webRtc = transport as WebRtcTransport;
        this.#live.set(webRtc, { received: 0, sent: 0 });
        webRtc.observer.once('close', () => {
          const last = this.#live.get(webRtc);
          this.#live.delete(webRtc);
          if (last) {
            this.#retired.received += last.received;
            this.#retired.sent += last.sent;
          }
        });
      });
    });
  }
}
