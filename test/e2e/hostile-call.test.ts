/**
 * Hostile signaling during a real call. Three people talk in headless Chromium (real media through
 * the SFU) while more than 10,000 random and crafted messages arrive over many other sockets: bad
 * JSON, wrong types, huge frames, binary frames, unknown methods and prototype keys, unknown ids and
 * the three callers' own transport, producer and consumer ids, requests out of order, floods. Some of
 * those sockets join the same room first, so they are members and only ownership checks stop them.
 *
 * The server stays up (same process, same worker), answers every message that deserves an answer on
 * every socket it keeps, closes only abusive sockets and only with the protocol's codes, leaves the
 * callers' objects exactly as they were, and the call's media keeps flowing throughout.
 */
import t from 'tap';
import { loadConfig } from '../../server/config.js';
import { launchBrowser } from '../helpers/browser.js';
import { everyPair, expectMediaFlowing, joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { runFuzz } from '../helpers/fuzz-driver.js';
import { HostileTraffic } from '../helpers/hostile-traffic.js';
import { startServer } from '../helpers/server.js';

const ROOM = 'under-attack';
const TIMEOUT = 60_000;
const MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 12_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

t.setTimeout(600_000);
// Many sockets from one address: the per-address cap is tested on its own (connection-limit.test.ts).
// P2P off: the call is on the SFU, where the attack lands (two callers would otherwise go direct for a
// while, over the machine's own addresses: Chromium has no loopback candidates).
const server = await startServer({ maxConnectionsPerIp: 500, p2p: { ...loadConfig().p2p, enabled: false } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });

const people: Participant[] = [];
for (const name of ['Alice', 'Bob', 'Carol']) {
  people.push(await joinRoom(chromiumCallPage(name, await browser.newPage(name)), server.url, ROOM, name, { timeout: TIMEOUT }));
}
await expectMediaFlowing(everyPair(people), 'the call before the attack', { timeout: TIMEOUT });

/**
 * The three callers' objects an attacker could try to touch, in comparable form. Consumers' pause
 * state is left out: the callers' own pages pause and resume what they do not show, and the fuzzers
 * joining the room change the layout. Consumers of fuzzers' producers may be added; none may go.
 */
function callersObjects() {
  const room = server.app.rooms.rooms.get(ROOM)!;
  return people.map((person) => {
    const peer = room.peers.get(person.peerId)!;
    return {
      name: person.name,
      transports: [...peer.transports.values()].map((transport) => ({ id: transport.id, closed: transport.closed, dtls: transport.dtlsState })),
      producers: [...peer.producers.values()].map((producer) => ({ id: producer.id, closed: producer.closed, paused: producer.paused })),
      consumers: [...peer.consumers.values()].map((consumer) => ({ id: consumer.id, closed: consumer.closed })),
    };
  });
}

/** `after` still has every one of `before`'s objects, in the same state. */
function untouched(before: ReturnType<typeof callersObjects>, after: ReturnType<typeof callersObjects>): string[] {
  const problems: string[] = [];
  before.forEach((peer, index) => {
    const now = after[index]!;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (!same(peer.transports, now.transports)) problems.push(`${peer.name}'s transports: ${JSON.stringify(now.transports)}`);
    if (!same(peer.producers, now.producers)) problems.push(`${peer.name}'s producers: ${JSON.stringify(now.producers)}`);
    for (const consumer of peer.consumers) {
      const found = now.consumers.find((c) => c.id === consumer.id);
      if (!found || found.closed) problems.push(`${peer.name}'s consumer ${consumer.id} is gone`);
    }
  });
  return problems;
}

t.test(`${MESSAGES} hostile messages while the call goes on`, async (t) => {
  const before = callersObjects();
  const room = server.app.rooms.rooms.get(ROOM)!;
  const workerPid = room.slot.worker.pid;
  const targets = {
    roomId: ROOM,
    peers: people.map((person) => person.peerId),
    transports: before.flatMap((peer) => peer.transports.map((transport) => transport.id)),
    producers: before.flatMap((peer) => peer.producers.map((producer) => producer.id)),
    consumers: before.flatMap((peer) => peer.consumers.map((consumer) => consumer.id)),
  };
  t.ok(targets.producers.length >= 6 && targets.consumers.length >= 12, 'the attackers know every producer and consumer id of the call');
  t.comment(`seed ${SEED} (FUZZ_SEED=${SEED} repeats this run)`);

  const startedAt = performance.now();
  const fuzz = runFuzz({
    wsUrl: server.wsUrl,
    traffic: new HostileTraffic(SEED, targets),
    total: MESSAGES,
    concurrency: 40,
    perSocket: 150,
    perSecond: 40,
    joinRoom: { roomId: ROOM, fraction: 0.25 },
  });
  // Media must keep flowing while it happens, not only afterwards.
  await expectMediaFlowing(everyPair(people), 'the call during the attack', { timeout: TIMEOUT });
  t.pass('every caller decodes both others while the attack runs');
  const report = await fuzz;
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);

  t.comment(`sent ${report.sent} messages over ${report.sockets} sockets in ${seconds} s`);
  t.comment(`by category: ${JSON.stringify(report.byCategory)}`);
  t.comment(`closed by the server: ${JSON.stringify(report.closedByServer)}; error codes: ${JSON.stringify(report.errorCodes)}`);
  t.ok(report.sent >= 10_000, `at least 10,000 messages tried (${report.sent})`);
  t.same(report.problems, [], 'every kept socket got exactly one answer per message; closes only with 4000/1009/4002');
  t.equal(report.answersReceived, report.answersExpected, `${report.answersReceived} answers to ${report.answersExpected} answerable messages`);
  t.ok((report.closedByServer[4000] ?? 0) > 0, 'floods were cut off (4000)');
  t.ok((report.closedByServer[1009] ?? 0) > 0, 'frames over the hard cap were refused (1009)');
  for (const code of ['BAD_REQUEST', 'NOT_FOUND', 'NOT_JOINED', 'TOO_LARGE', 'RATE_LIMITED']) {
    t.ok((report.errorCodes[code] ?? 0) > 0, `answers include ${code}`);
  }

  t.equal(process.exitCode ?? 0, 0, 'the server process did not fail');
  t.equal(room.slot.worker.pid, workerPid, 'the same mediasoup worker (it never died)');
  t.notOk(room.closed, 'the room is still open');
  const health = await fetch(`${server.url}/healthz`);
  t.equal(health.status, 200, '/healthz is fine');
  t.same(untouched(before, callersObjects()), [], "no caller's transport, producer or consumer was closed or paused");
  await expectMediaFlowing(everyPair(people), 'the call after the attack', { timeout: TIMEOUT });
  t.pass('the call goes on');
});
