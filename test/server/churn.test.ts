/**
 * Leak-free churn: 1,000 join/leave cycles of headless clients (the app's real signaling client and
 * mediasoup-client with its FakeHandler) against a real worker, while two people stay in the room
 * throughout. Every cycle sets media up (two transports, mic and camera produced, the stayers'
 * four tracks consumed) and ends one of the ways people really leave: the leave request, closing the
 * socket, a broken connection that resumes and then leaves, or one that never comes back (the grace
 * period cleans it up). Some cycles open a room of their own, so routers come and go too.
 *
 * Afterwards the workers hold exactly what the two stayers hold, and once they leave, nothing. Server
 * memory (Node heap after a full GC, and the worker's resident size) stays within 10 % of where it was
 * after warming up. `CHURN_CYCLES` changes the number of cycles (`npm run test:soak` runs more).
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import t from 'tap';
import { FakePeer } from '../helpers/fake-peer.js';
import { mediaInventory } from '../helpers/inventory.js';
import { startServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

const CYCLES = Number(process.env.CHURN_CYCLES ?? 1000);
// The whole file: longer than the suite's per-file default (a cycle is a join, media set-up and a leave).
t.setTimeout(Math.max(600_000, CYCLES * 1200));
const WARM_UP = Math.min(100, Math.floor(CYCLES / 10));
const LANES = 8;
/** Long enough for a loaded machine to reconnect, short enough that abandoned peers go quickly. */
const GRACE_MS = 10_000;
/** The machine is shared: a single step may wait on a busy CPU for a long time without being wrong. */
const SLOW_MACHINE_TIMEOUT = 60_000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

type Exit = 'leave' | 'close' | 'break-and-resume' | 'break-for-good';
const EXITS: Exit[] = ['leave', 'leave', 'leave', 'leave', 'close', 'close', 'break-and-resume', 'break-for-good'];

interface Memory {
  heapMB: number;
  workerRssMB: number;
}

function workerRssMB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kB / 1024;
}

t.test(`${CYCLES} join/leave cycles leave nothing behind and memory stays flat`, async (t) => {
  const server = await startServer({ resumeGraceMs: GRACE_MS, maxConnectionsPerIp: 1000 });
  t.teardown(() => server.close());
  const workerPid = server.app.media.slots[0]!.worker.pid;
  // One proxy per lane: breaking a lane's network breaks only that lane's current client.
  const proxies = await Promise.all(Array.from({ length: LANES }, () => TcpProxy.start(Number(new URL(server.url).port))));
  t.teardown(() => Promise.all(proxies.map((proxy) => proxy.close())));

  const stayers = [await FakePeer.join(server.wsUrl, 'stay', 'Stayer 1'), await FakePeer.join(server.wsUrl, 'stay', 'Stayer 2')];
  for (const stayer of stayers) {
    await stayer.produce('mic');
    await stayer.produce('camera');
  }
  await waitFor(() => stayers.every((s) => s.consumers.size === 2), { message: 'the stayers consume each other' });
  const baseline = await mediaInventory(server.app);
  t.match(baseline, { routers: 1, webRtcTransports: 4, producers: 4, consumers: 4 }, 'baseline: the two stayers');

  const exits: Record<Exit, number> = { leave: 0, close: 0, 'break-and-resume': 0, 'break-for-good': 0 };
  let next = 0;
  let finished = 0;

  async function cycle(lane: number, index: number): Promise<void> {
    const exit = EXITS[index % EXITS.length]!;
    const ownRoom = index % 10 === 9;
    const roomId = ownRoom ? `churn-${index}` : 'stay';
    const breaks = exit.startsWith('break');
    const proxy = proxies[lane]!;
    const peer = await FakePeer.join(breaks ? proxy.wsUrl : server.wsUrl, roomId, `Churn ${index}`, {
      resume: exit !== 'break-for-good',
    });
    await peer.produce('mic');
    await peer.produce('camera');
    if (!ownRoom) {
      await waitFor(
        () => {
          const ofStayers = stayers.reduce((n, stayer) => n + peer.consumersFrom(stayer.peerId).length, 0);
          if (ofStayers !== 4) throw new Error(`it has ${ofStayers} of the stayers' 4 tracks`);
          return true;
        },
        { message: `churner ${index} consumes the stayers`, timeout: SLOW_MACHINE_TIMEOUT },
      );
    }
    switch (exit) {
      case 'leave':
        await peer.leave();
        break;
      case 'close':
        peer.close();
        break;
      case 'break-and-resume':
        proxy.cut();
        await waitFor(
          () => {
            if (peer.recoveryError) throw peer.recoveryError;
            if (peer.resumes !== 1) throw new Error(`its signaling client is ${peer.signal.state}`);
            return true;
          },
          { message: `churner ${index} resumes`, timeout: SLOW_MACHINE_TIMEOUT },
        );
        await peer.leave();
        break;
      case 'break-for-good':
        // The client vanishes with its connection; the server only learns of it from the break.
        proxy.cut();
        peer.close();
        break;
    }
    exits[exit]++;
  }

  /** Runs cycles up to `until` on every lane, then waits until only the stayers' objects remain. */
  async function runUntil(until: number): Promise<void> {
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        while (next < until) {
          await cycle(lane, next++);
          finished++;
        }
      }),
    );
    // Abandoned peers go when their grace period is over; closes reach the worker asynchronously.
    await waitFor(
      async () => {
        const now = await mediaInventory(server.app);
        if (JSON.stringify(now) !== JSON.stringify(baseline)) throw new Error(`inventory ${JSON.stringify(now)}`);
        return true;
      },
      { message: "the workers hold only the stayers' objects", timeout: GRACE_MS + SLOW_MACHINE_TIMEOUT },
    );
  }

  function memory(): Memory {
    gc();
    gc();
    return { heapMB: process.memoryUsage().heapUsed / 2 ** 20, workerRssMB: workerRssMB(workerPid) };
  }

  await runUntil(WARM_UP);
  const before = memory();
  const startedAt = performance.now();
  await runUntil(CYCLES);
  const seconds = (performance.now() - startedAt) / 1000;
  t.equal(finished, CYCLES, `${CYCLES} cycles (${CYCLES - WARM_UP} after warm-up in ${seconds.toFixed(1)} s): ${JSON.stringify(exits)}`);

  // Every churner's traces are gone (runUntil waited for it): what is left is what the stayers hold.
  t.pass(`workers hold exactly the baseline: ${JSON.stringify(baseline)}`);
  t.same([...server.app.rooms.rooms.keys()], ['stay'], 'no churn room is left open');
  t.equal(server.app.rooms.rooms.get('stay')?.peers.size, 2, 'and only the stayers are in the room');
  // Exactly each other's two tracks, on the server and in the clients: no consumer of a churner lingers.
  const stay = server.app.rooms.rooms.get('stay')!;
  t.ok([...stay.peers.values()].every((peer) => peer.consumers.size === 2), "on the server, each stayer consumes only the other's two tracks");
  t.same(stayers.map((s) => s.consumers.size), [2, 2], "and each stayer's client holds exactly those consumers");
  t.equal(stayers[0]!.notifications.peerJoined.length - stayers[0]!.notifications.peerLeft.length, 1, 'every churner that joined, left');

  const after = memory();
  const growth = (a: number, b: number) => ((b - a) / a) * 100;
  const report = `heap ${before.heapMB.toFixed(1)} -> ${after.heapMB.toFixed(1)} MB (${growth(before.heapMB, after.heapMB).toFixed(1)} %), ` +
    `worker RSS ${before.workerRssMB.toFixed(1)} -> ${after.workerRssMB.toFixed(1)} MB (${growth(before.workerRssMB, after.workerRssMB).toFixed(1)} %)`;
  t.comment(`memory after ${WARM_UP} warm-up cycles vs after ${CYCLES}: ${report}`);
  // The test process also holds the clients; the heap includes them, which only makes this stricter.
  t.ok(after.heapMB <= before.heapMB * 1.1, `Node heap within 10 % (${report})`);
  t.ok(after.workerRssMB <= before.workerRssMB * 1.1, `worker memory within 10 % (${report})`);

  for (const stayer of stayers) await stayer.leave();
  await waitFor(() => server.app.rooms.rooms.size === 0, { message: 'the last room closes' });
  t.same(await mediaInventory(server.app), { routers: 0, webRtcTransports: 0, transports: 0, producers: 0, consumers: 0, dataProducers: 0, dataConsumers: 0 }, 'and then the workers hold nothing at all');
});
