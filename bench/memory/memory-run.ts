/**
 * Server memory per peer and per consumer: a real server in its own process (P2P off, so every room
 * is an SFU room), peers from test/helpers/fake-peer.ts (the app's SignalClient and mediasoup-client's
 * FakeHandler: real transports, producers and consumers on the worker, no media flowing). Objects are
 * added in phases and the RSS of the server's Node process and of its mediasoup worker is read after
 * each, with the object counts the server itself reports (/metrics) next to it.
 */
import { FakePeer } from '../../test/helpers/fake-peer.js';
import { waitFor } from '../../test/helpers/wait.js';
import { serverGauges, startServerProcess, type ServerProcess } from '../lib/server-process.js';

export interface MemoryOptions {
  rooms: number;
  roomSize: number;
  serverFromSource?: boolean;
  log?: (message: string) => void;
}

export interface MemoryPhase {
  /** What this phase added. */
  label: string;
  /** What the server counts after it (shouwang_peers, _transports, _producers, _consumers, _rooms). */
  counts: { rooms: number; peers: number; transports: number; producers: number; consumers: number };
  nodeRss: number;
  workerRss: number;
}

export interface MemoryResult {
  idle: { nodeRss: number; workerRss: number };
  phases: MemoryPhase[];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** RSS after the allocations settle: the median of a few reads, a moment after the phase ended. */
async function settledMemory(server: ServerProcess): Promise<{ nodeRss: number; workerRss: number }> {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const reads: Array<{ nodeRss: number; workerRss: number }> = [];
  for (let i = 0; i < 5; i++) {
    reads.push(server.memory());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { nodeRss: median(reads.map((r) => r.nodeRss)), workerRss: median(reads.map((r) => r.workerRss)) };
}

async function counts(server: ServerProcess): Promise<MemoryPhase['counts']> {
  const gauges = await serverGauges(server.url);
  const get = (name: string) => gauges.get(`shouwang_${name}`) ?? Number.NaN;
  return { rooms: get('rooms'), peers: get('peers'), transports: get('transports'), producers: get('producers'), consumers: get('consumers') };
}

export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const log = options.log ?? (() => undefined);
  const { rooms, roomSize } = options;
  const server = await startServerProcess({
    env: { P2P_ENABLED: 'false', MAX_PEERS_PER_ROOM: String(Math.max(2, roomSize)), MAX_CONNECTIONS_PER_IP: String(rooms * roomSize + 100) },
    fromSource: options.serverFromSource ?? false,
    log,
  });
  const peers: FakePeer[][] = [];
  try {
    const idle = await settledMemory(server);
    const phases: MemoryPhase[] = [];
    const phase = async (label: string, expect: Partial<MemoryPhase['counts']>): Promise<void> => {
      // The server answers before every consumer is set up on the far side: wait for its own count.
      const settled = await waitFor(
        async () => {
          const now = await counts(server);
          const wrong = Object.entries(expect).filter(([key, value]) => now[key as keyof typeof now] !== value);
          if (wrong.length > 0) throw new Error(`server counts ${JSON.stringify(now)}, expected ${JSON.stringify(expect)}`);
          return now;
        },
        { timeout: 60_000, interval: 200, message: `${label}: the server's object counts` },
      );
      const memory = await settledMemory(server);
      phases.push({ label, counts: settled, ...memory });
      log(`${label}: ${JSON.stringify(settled)} node ${(memory.nodeRss / 2 ** 20).toFixed(1)} MiB, worker ${(memory.workerRss / 2 ** 20).toFixed(1)} MiB`);
    };

    const total = rooms * roomSize;
    for (let r = 0; r < rooms; r++) {
      const room: FakePeer[] = [];
      for (let i = 0; i < roomSize; i++) room.push(await FakePeer.join(server.wsUrl, `memory-${r}`, `Peer ${r}.${i}`, { media: false, resume: false }));
      peers.push(room);
    }
    await phase('join (signaling only)', { peers: total });

    await Promise.all(peers.flat().map((peer) => peer.setUpMedia()));
    await phase('+ send and receive transports', { peers: total, transports: 2 * total });

    // One sender per room first: its 2 producers reach the room's other members as consumers.
    await Promise.all(peers.map(async ([first]) => {
      await first!.produce('mic');
      await first!.produce('camera');
    }));
    await phase('+ 1 sender per room (mic + camera)', { producers: 2 * rooms, consumers: 2 * rooms * (roomSize - 1) });

    await Promise.all(peers.flatMap((room) => room.slice(1)).map(async (peer) => {
      await peer.produce('mic');
      await peer.produce('camera');
    }));
    await phase('+ everyone sends (mic + camera)', { producers: 2 * total, consumers: 2 * rooms * roomSize * (roomSize - 1) });
    return { idle, phases };
  } finally {
    for (const peer of peers.flat()) peer.close();
    await server.close();
  }
}
