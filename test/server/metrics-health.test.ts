/**
 * Operating it: `/metrics` numbers follow what happens (people join, send, leave), and `/healthz`
 * reports unready while the workers are gone, then ready again once one is back. The worker is killed
 * for real, and its port is held so the replacement cannot start until the test lets it.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import t from 'tap';
import { FakePeer } from '../helpers/fake-peer.js';
import { RawSocket } from '../helpers/raw-socket.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/** `name{labels}` -> value, from Prometheus' text format. */
async function scrape(server: TestServer): Promise<Map<string, number>> {
  const response = await fetch(`${server.url}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const values = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

async function health(server: TestServer): Promise<{ status: number; body: { status: string; workers: { alive: number } } }> {
  const response = await fetch(`${server.url}/healthz`);
  return { status: response.status, body: (await response.json()) as { status: string; workers: { alive: number } } };
}

t.test('/metrics follows people joining, sending and leaving', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const empty = await scrape(server);
  t.equal(empty.get('shouwang_peers'), 0, 'nobody at first');
  t.equal(empty.get('shouwang_rooms{mode="sfu"}'), 0, 'no room');
  t.equal(empty.get('shouwang_workers_alive'), 1, 'one worker alive');
  t.ok(empty.has('shouwang_process_resident_memory_bytes'), "Node's own process metrics too");

  const alice = await FakePeer.join(server.wsUrl, 'm', 'Alice', { resume: false });
  const bob = await FakePeer.join(server.wsUrl, 'm', 'Bob', { resume: false });
  t.teardown(() => [alice, bob].forEach((peer) => peer.close()));
  await alice.produce('mic');
  await alice.produce('camera');
  await waitFor(() => bob.consumersFrom(alice.peerId).length === 2, { message: 'Bob consumes both of Alice' });

  const busy = await scrape(server);
  t.equal(busy.get('shouwang_peers'), 2, 'two peers');
  t.equal((busy.get('shouwang_rooms{mode="sfu"}') ?? 0) + (busy.get('shouwang_rooms{mode="p2p"}') ?? 0), 1, 'one room');
  t.equal(busy.get('shouwang_transports'), 4, 'a send and a receive transport each');
  t.equal(busy.get('shouwang_producers'), 2, "Alice's two tracks");
  t.equal(busy.get('shouwang_consumers'), 2, 'Bob consumes both');
  t.equal(busy.get('shouwang_join_duration_seconds_count{outcome="ok"}'), 2, 'two joins timed');
  t.equal(busy.get('shouwang_signaling_requests_total{method="join",outcome="ok"}'), 2, 'two joins counted');
  t.equal(busy.get('shouwang_signaling_requests_total{method="produce",outcome="ok"}'), 2, 'two produces counted');
  t.ok((busy.get('shouwang_worker_cpu_seconds_total{worker="0",mode="user"}') ?? 0) > 0, 'the worker has used CPU');
  t.ok(busy.has('shouwang_media_bytes_total{direction="in"}'), 'bytes in are reported');
  t.ok(busy.has('shouwang_media_bytes_total{direction="out"}'), 'bytes out are reported');

  const again = await RawSocket.open(server.wsUrl);
  t.teardown(() => again.close());
  await again.request('join', { roomId: 'm', displayName: 'Twice' });
  await again.request('join', { roomId: 'm', displayName: 'Twice' });
  const refused = await scrape(server);
  t.equal(refused.get('shouwang_join_duration_seconds_count{outcome="ALREADY_JOINED"}'), 1, 'a refused join is timed by its outcome');
  again.close();

  await bob.leave();
  await waitFor(async () => (await scrape(server)).get('shouwang_peers') === 1, { message: 'one peer after Bob and Twice left' });
  const after = await scrape(server);
  t.equal(after.get('shouwang_transports'), 2, "only Alice's transports");
  t.equal(after.get('shouwang_consumers'), 0, 'nobody consumes');
  t.equal(after.get('shouwang_producers'), 2, 'Alice still sends');

  await alice.leave();
  await waitFor(async () => (await scrape(server)).get('shouwang_rooms{mode="sfu"}') === 0, { message: 'the room closed' });
});

/** A port free for both UDP and TCP on 127.0.0.1. */
async function freeMediaPort(): Promise<number> {
  for (;;) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const udp = dgram.createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    udp.close();
    if (free) return port;
  }
}

t.test('/healthz is unready while the worker is gone, and ready again once it is back', async (t) => {
  const rtcPort = await freeMediaPort();
  const server = await startServer({ rtcPort, rtcListenIp: '127.0.0.1' });
  t.teardown(() => server.close());
  t.same((await health(server)).status, 200, 'ready at first');
  t.equal((await fetch(`${server.url}/healthz/live`)).status, 200, 'alive');

  // Hold the dead worker's port the moment it dies, so its replacement cannot listen until we let go.
  const udp = dgram.createSocket('udp4');
  const tcp = net.createServer();
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    udp.close();
    await new Promise((resolve) => tcp.close(resolve));
  };
  t.teardown(release);
  const blocked = new Promise<void>((resolve) => {
    server.app.media.once('workerDied', () => {
      let bound = 0;
      const done = () => (++bound === 2 ? resolve() : undefined);
      udp.bind(rtcPort, '127.0.0.1', done);
      tcp.listen(rtcPort, '127.0.0.1', done);
    });
  });
  const pid = server.app.media.slots[0]?.worker.pid;
  t.ok(pid, 'the worker has a pid');
  process.kill(pid as number, 'SIGKILL');
  await blocked;

  const down = await waitFor(async () => {
    const answer = await health(server);
    return answer.status === 503 ? answer : undefined;
  }, { message: '/healthz to answer 503' });
  t.equal(down.body.status, 'degraded', 'degraded');
  t.equal(down.body.workers.alive, 0, 'no worker alive');
  t.equal((await fetch(`${server.url}/healthz/live`)).status, 200, 'still alive (the process answers)');
  t.equal((await scrape(server)).get('shouwang_workers_alive'), 0, '/metrics agrees');

  await release();
  const up = await waitFor(async () => {
    const answer = await health(server);
    return answer.status === 200 ? answer : undefined;
  }, { timeout: 30_000, message: '/healthz to answer 200 again' });
  t.equal(up.body.workers.alive, 1, 'the replacement is alive');
  t.not(server.app.media.slots[0]?.worker.pid, pid, 'a new worker process');
});

t.test('/healthz says draining once shutdown began', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  server.app.rooms.stopAccepting();
  const answer = await health(server);
  t.equal(answer.status, 503, '503');
  t.equal(answer.body.status, 'draining', 'draining');
  const late = await RawSocket.open(server.wsUrl);
  t.teardown(() => late.close());
  const refused = await late.request('join', { roomId: 'x', displayName: 'Late' });
  t.equal(refused.ok, false, 'a join is refused');
  await waitFor(() => late.closeEvent, { message: 'the socket is closed' });
  t.equal(late.closeEvent?.code, 4004, 'with SHUTDOWN');
});
