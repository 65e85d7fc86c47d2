/**
 * The participants of test/server/churn.test.ts, run in a worker thread so that the server's memory
 * can be measured apart from theirs (each thread has its own JavaScript heap): two stayers who are in
 * the room throughout, sending mic and camera, and the churners.
 *
 * Each cycle: a headless client joins (the app's SignalClient, mediasoup-client's FakeHandler), sets
 * up both transports, produces mic and camera, consumes the stayers' four tracks, then ends one of the
 * ways people really leave: the leave request, closing the socket, a broken connection that resumes
 * and then leaves, or one that never comes back. Every tenth cycle opens a room of its own.
 *
 * Messages in: `{ type: 'run', until }` (run cycles up to that count), `{ type: 'check' }`, `{ type:
 * 'stop' }` (the stayers leave). Out: `{ type: 'ready', stayerIds }`, `{ type: 'done', finished, exits }`,
 * `{ type: 'checked', stayerConsumers, stillJoined }`, `{ type: 'stopped' }`, `{ type: 'failed', message }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FakePeer } from './fake-peer.js';
import { TcpProxy } from './tcp-proxy.js';
import { waitFor } from './wait.js';

export interface ChurnWorkerData {
  wsUrl: string;
  serverPort: number;
  lanes: number;
  /** A single step may wait this long on a busy machine. */
  stepTimeoutMs: number;
}

export type Exit = 'leave' | 'close' | 'break-and-resume' | 'break-for-good';
const EXITS: Exit[] = ['leave', 'leave', 'leave', 'leave', 'close', 'close', 'break-and-resume', 'break-for-good'];

const options = workerData as ChurnWorkerData;
const port = parentPort!;
// One proxy per lane: breaking a lane's network breaks only that lane's current client.
const proxies = await Promise.all(Array.from({ length: options.lanes }, () => TcpProxy.start(options.serverPort)));
const exits: Record<Exit, number> = { leave: 0, close: 0, 'break-and-resume': 0, 'break-for-good': 0 };
const stayers = [await FakePeer.join(options.wsUrl, 'stay', 'Stayer 1'), await FakePeer.join(options.wsUrl, 'stay', 'Stayer 2')];
for (const stayer of stayers) {
  await stayer.produce('mic');
  await stayer.produce('camera');
}
await waitFor(() => stayers.every((s) => s.consumers.size === 2), { message: 'the stayers consume each other', timeout: options.stepTimeoutMs });
const stayerIds = stayers.map((s) => s.peerId);
let next = 0;
let finished = 0;

async function cycle(lane: number, index: number): Promise<void> {
  const exit = EXITS[index % EXITS.length]!;
  const ownRoom = index % 10 === 9;
  const breaks = exit.startsWith('break');
  const proxy = proxies[lane]!;
  const peer = await FakePeer.join(breaks ? proxy.wsUrl : options.wsUrl, ownRoom ? `churn-${index}` : 'stay', `Churn ${index}`, {
    resume: exit !== 'break-for-good',
  });
  await peer.produce('mic');
  await peer.produce('camera');
  if (!ownRoom) {
    await waitFor(
      () => {
        const ofStayers = stayerIds.reduce((n, id) => n + peer.consumersFrom(id).length, 0);
        if (ofStayers !== 4) throw new Error(`it has ${ofStayers} of the stayers' 4 tracks`);
        return true;
      },
      { message: `churner ${index} consumes the stayers`, timeout: options.stepTimeoutMs },
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
        { message: `churner ${index} resumes`, timeout: options.stepTimeoutMs },
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

async function runUntil(until: number): Promise<void> {
  await Promise.all(
    proxies.map(async (_, lane) => {
      while (next < until) {
        await cycle(lane, next++);
        finished++;
      }
    }),
  );
}

port.on('message', (message: { type: 'run'; until: number } | { type: 'check' } | { type: 'stop' }) => {
  if (message.type === 'check') {
    // Every churner that joined has left (as the stayers heard it), and each stayer holds exactly the
    // other's two tracks: no consumer of a churner lingers in a client either.
    const [first] = stayers;
    port.postMessage({
      type: 'checked',
      stayerConsumers: stayers.map((s) => s.consumers.size),
      stillJoined: first!.notifications.peerJoined.length - first!.notifications.peerLeft.length - 1,
    });
    return;
  }
  if (message.type === 'stop') {
    void Promise.all(stayers.map((stayer) => stayer.leave()))
      .then(() => Promise.all(proxies.map((proxy) => proxy.close())))
      .then(() => port.postMessage({ type: 'stopped' }));
    return;
  }
  runUntil(message.until).then(
    () => port.postMessage({ type: 'done', finished, exits }),
    (error: unknown) => port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
port.postMessage({ type: 'ready', stayerIds });
