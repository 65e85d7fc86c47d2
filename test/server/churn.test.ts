/**
 * Leak-free churn: 1,000 join/leave cycles of headless clients (the app's real signaling client and
 * mediasoup-client with its FakeHandler) against a real worker, while two people stay in the room
 * throughout. Every cycle sets media up (two transports, mic and camera produced, the stayers' four
 * tracks consumed) and ends one of the ways people really leave: the leave request, closing the
 * socket, a broken connection that resumes and then leaves, or one that never comes back (the grace
 * period cleans it up). Some cycles open a room of their own, so routers come and go too. The
 * churners run in a worker thread (test/helpers/churn-clients.ts), so this thread's heap is the
 * server's (plus the two stayers and the test runner).
 *
 * Afterwards the workers hold exactly what the two stayers hold, and once they leave, nothing. Server
 * memory is sampled six times after the first quarter: the Node heap (after a full GC) stays within
 * 10 % of where it was then, and the mediasoup worker's resident size grows by less than
 * WORKER_LEAK_BYTES_PER_CYCLE over the later half. `CHURN_CYCLES` changes the number of
 * cycles (`npm run test:soak` runs more).
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import t from 'tap';
import type { ChurnWorkerData, Exit } from '../helpers/churn-clients.js';
import { mediaInventory } from '../helpers/inventory.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const CYCLES = Number(process.env.CHURN_CYCLES ?? 1000);
/**
 * Memory is compared from here on: the mediasoup worker's allocator grows its pools over the first few
 * hundred transports and then stays put (a leak would keep growing), so the first quarter warms up.
 */
const WARM_UP = Math.floor(CYCLES / 4);
const LANES = 8;
const SAMPLES = 6;
/**
 * The worker's resident size is not a byte count of live objects: its allocator takes memory in steps
 * (seen: +2.5 MB between 250 and 500 cycles, then flat; flat at 25.3 MB from 1,500 to 3,000) and does
 * not give it back. A leak grows with every cycle, a settling allocator does not, so growth is judged
 * per cycle over the later half. A cycle makes two transports (ICE, DTLS and SCTP state) and six to
 * ten consumers and producers (RTP stream buffers): losing even one of those a cycle is tens of KB.
 * 8 KB a cycle lets one allocator step of up to 4 MB through in a 1,000-cycle run and catches those.
 */
const WORKER_LEAK_BYTES_PER_CYCLE = 8 * 1024;
/** Long enough for a loaded machine to reconnect, short enough that abandoned peers go quickly. */
const GRACE_MS = 10_000;
/** The machine is shared: a single step may wait on a busy CPU for a long time without being wrong. */
const SLOW_MACHINE_TIMEOUT = 60_000;
// The whole file: longer than the suite's per-file default (a cycle is a join, media set-up and a leave).
t.setTimeout(Math.max(600_000, CYCLES * 1200));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Memory {
  heapMB: number;
  workerRssMB: number;
}

function workerRssMB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

t.test(`${CYCLES} join/leave cycles leave nothing behind and memory stays flat`, async (t) => {
  const server = await startServer({ resumeGraceMs: GRACE_MS, maxConnectionsPerIp: 1000 });
  t.teardown(() => server.close());
  const workerPid = server.app.media.slots[0]!.worker.pid;

  const data: ChurnWorkerData = {
    wsUrl: server.wsUrl,
    serverPort: Number(new URL(server.url).port),
    lanes: LANES,
    stepTimeoutMs: SLOW_MACHINE_TIMEOUT,
  };
  const clients = new Worker(new URL('../helpers/churn-clients.ts', import.meta.url), { workerData: data });
  t.teardown(() => clients.terminate());
  type Reply =
    | { type: 'ready'; stayerIds: string[] }
    | { type: 'done'; finished: number; exits: Record<Exit, number> }
    | { type: 'checked'; stayerConsumers: number[]; stillJoined: number }
    | { type: 'stopped' }
    | { type: 'failed'; message: string };
  const ask = <T extends Reply['type']>(message: object | null, expected: T) =>
    new Promise<Extract<Reply, { type: T }>>((resolve, reject) => {
      clients.once('message', (reply: Reply) => {
        if (reply.type === expected) resolve(reply as Extract<Reply, { type: T }>);
        else reject(new Error(`the clients answered ${reply.type}${reply.type === 'failed' ? `: ${reply.message}` : ''}`));
      });
      clients.once('error', reject);
      if (message) clients.postMessage(message);
    });

  const { stayerIds } = await ask(null, 'ready');
  const baseline = await mediaInventory(server.app);
  t.match(baseline, { routers: 1, webRtcTransports: 4, producers: 4, consumers: 4 }, 'baseline: the two stayers');

  /** Runs cycles up to `until`, then waits until only the stayers' objects remain. */
  async function runUntil(until: number) {
    const done = await ask({ type: 'run', until }, 'done');
    // Abandoned peers go when their grace period is over; closes reach the worker asynchronously.
    await waitFor(
      async () => {
        const now = await mediaInventory(server.app);
        if (JSON.stringify(now) !== JSON.stringify(baseline)) throw new Error(`inventory ${JSON.stringify(now)}`);
        return true;
      },
      { message: "the workers hold only the stayers' objects", timeout: GRACE_MS + SLOW_MACHINE_TIMEOUT },
    );
    return done;
  }

  function memory(): Memory {
    gc();
    gc();
    return { heapMB: process.memoryUsage().heapUsed / 2 ** 20, workerRssMB: workerRssMB(workerPid) };
  }

  // Samples along the way tell a leak (steady growth) from an allocator settling in (a step, then flat).
  await runUntil(WARM_UP);
  const samples: Array<{ cycles: number } & Memory> = [{ cycles: WARM_UP, ...memory() }];
  const startedAt = performance.now();
  let done = { finished: WARM_UP, exits: {} as Record<Exit, number> };
  for (let step = 1; step <= SAMPLES; step++) {
    const until = WARM_UP + Math.round(((CYCLES - WARM_UP) * step) / SAMPLES);
    done = await runUntil(until);
    samples.push({ cycles: until, ...memory() });
  }
  const seconds = (performance.now() - startedAt) / 1000;
  t.equal(done.finished, CYCLES, `${CYCLES} cycles (${CYCLES - WARM_UP} after warm-up in ${seconds.toFixed(1)} s): ${JSON.stringify(done.exits)}`);

  // Every churner's traces are gone (runUntil waited for it): what is left is what the stayers hold.
  t.pass(`workers hold exactly the baseline: ${JSON.stringify(baseline)}`);
  t.same([...server.app.rooms.rooms.keys()], ['stay'], 'no churn room is left open');
  const stay = server.app.rooms.rooms.get('stay')!;
  t.same([...stay.peers.keys()].sort(), [...stayerIds].sort(), 'and only the stayers are in the room');
  t.ok([...stay.peers.values()].every((peer) => peer.consumers.size === 2), "on the server, each stayer consumes only the other's two tracks");
  const checked = await ask({ type: 'check' }, 'checked');
  t.same(checked.stayerConsumers, [2, 2], "and each stayer's client holds exactly those consumers");
  t.equal(checked.stillJoined, 0, 'every churner the stayers saw join, they saw leave');

  const before = samples[0]!;
  // The highest later sample, not just the last: memory that grew and came back down still counts.
  const after: Memory = {
    heapMB: Math.max(...samples.slice(1).map((m) => m.heapMB)),
    workerRssMB: Math.max(...samples.slice(1).map((m) => m.workerRssMB)),
  };
  const growth = (a: number, b: number) => ((b - a) / a) * 100;
  const series = samples.map((m) => `${m.cycles}: heap ${m.heapMB.toFixed(1)} MB, worker ${m.workerRssMB.toFixed(1)} MB`).join('; ');
  const report =
    `heap ${before.heapMB.toFixed(1)} -> ${after.heapMB.toFixed(1)} MB (${growth(before.heapMB, after.heapMB).toFixed(1)} %), ` +
    `worker RSS ${before.workerRssMB.toFixed(1)} -> ${after.workerRssMB.toFixed(1)} MB (${growth(before.workerRssMB, after.workerRssMB).toFixed(1)} %)`;
  t.comment(`server memory by cycles done: ${series}`);
  t.ok(after.heapMB <= before.heapMB * 1.1, `server Node heap within 10 % (${report})`);
  // The later half: from the sample at half the cycles (or just after) to the highest one after it.
  const half = samples.findIndex((m) => m.cycles >= CYCLES / 2);
  const halfStart = samples[half]!;
  const laterPeak = Math.max(...samples.slice(half + 1).map((m) => m.workerRssMB));
  const perCycle = ((laterPeak - halfStart.workerRssMB) * 2 ** 20) / (CYCLES - halfStart.cycles);
  t.ok(
    perCycle < WORKER_LEAK_BYTES_PER_CYCLE,
    `mediasoup worker memory does not grow with cycles: ${(perCycle / 1024).toFixed(2)} KB a cycle over the later half ` +
      `(${halfStart.cycles} to ${CYCLES} cycles; a leak is >= ${WORKER_LEAK_BYTES_PER_CYCLE / 1024} KB) (${series})`,
  );

  await ask({ type: 'stop' }, 'stopped');
  await waitFor(() => server.app.rooms.rooms.size === 0, { message: 'the last room closes' });
  t.same(
    await mediaInventory(server.app),
    { routers: 0, webRtcTransports: 0, transports: 0, producers: 0, consumers: 0, dataProducers: 0, dataConsumers: 0 },
    'and then the workers hold nothing at all',
  );
});
