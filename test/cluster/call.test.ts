/**
 * Three node processes on loopback ports and a real redis-server; headless Chromium pages each open the
 * room on a different node. With ROOM_PEERS_PER_NODE=2, the first two meet on one node and the third
 * lands on another: the room spans two nodes, its producers piped between them. Every page decodes
 * every other's video and hears its audio, and the one who talks is the active speaker everywhere. Then Redis is killed mid-call: the call goes on, and once
 * Redis is back (empty), a newcomer still finds the room.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { launchBrowser } from '../helpers/browser.js';
import { everyPair, expectMediaFlowing, joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { startNodeProcess, type NodeProcess } from '../helpers/cluster-processes.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'cluster-call';
const TIMEOUT = 60_000;
// Three node processes, Redis and Chromium on a 2-core machine that runs another test file beside this
// one: ~1.5 min usually; the waits (TIMEOUT each) fail with their own message well before this.
t.setTimeout(420_000);

const redis = await startRedis(t);
// P2P off: two pages alone in the room (before the third joins) would pair browser to browser, away from
// 127.0.0.1; these tests are about media through the nodes and the pipes between them.
// The product's heartbeat defaults (NODE_HEARTBEAT_MS 2000, NODE_TTL_MS 6000): nobody dies in this
// file, and shorter records get a node starved of CPU by the rest of the suite taken for dead (seen with
// 3 s records in a full run: the node's Redis commands timed out for seconds, its pipes flapped).
const env = { ROOM_PEERS_PER_NODE: '2', NODE_HEARTBEAT_MS: '2000', NODE_TTL_MS: '6000', P2P_ENABLED: 'false' };
// Started together: each takes seconds to load on a busy machine.
const nodes: NodeProcess[] = await Promise.all(['n1', 'n2', 'n3'].map((id) => startNodeProcess(t, id, { redisUrl: redis.url, env })));
// Carol, alone on the second node, is the only one who talks: her voice reaches the first node's
// active speaker detection through the pipe.
const browser = await launchBrowser(t, { fakeMedia: 'file', fakeAudio: 'silence' });
const talking = await launchBrowser(t, { fakeMedia: 'file', fakeAudio: 'speech' });
const inspector = new Redis(redis.url, { maxRetriesPerRequest: 1 });
inspector.on('error', () => {}); // Redis is killed on purpose below.
t.teardown(() => inspector.disconnect());

/** People each node serves itself (its heartbeat record), by node id. */
async function localPeers(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const node of nodes) {
    const record = await inspector.get(`sw:node:${node.id}:record`);
    counts[node.id] = record ? (JSON.parse(record) as { peers: number }).peers : -1;
  }
  return counts;
}

const people: Participant[] = [];
t.test('pages on three different nodes share one room spanning two nodes', async (t) => {
  for (const [index, name] of ['Alice', 'Bob', 'Carol'].entries()) {
    const page = chromiumCallPage(name, await (name === 'Carol' ? talking : browser).newPage(name));
    people.push(await joinRoom(page, nodes[index]!.url, ROOM, name, { timeout: TIMEOUT }));
  }
  const counts = await waitFor(
    async () => {
      const now = await localPeers();
      return Object.values(now).sort().join(',') === '0,1,2' ? now : null;
    },
    { timeout: TIMEOUT, message: 'two people on one node, one on another' },
  );
  t.comment(`people per node: ${JSON.stringify(counts)}`);
  const flowing = await expectMediaFlowing(everyPair(people), 'the spanning call', { timeout: TIMEOUT });
  t.comment(JSON.stringify(flowing));
  t.pass('every page decodes every other page, across the span');
  const carol = people[2]!;
  for (const viewer of people) {
    await waitFor(
      async () => (await viewer.page.evaluate(() => (window as unknown as { __shouwang: { activeSpeakerId: string | null } }).__shouwang.activeSpeakerId, null)) === carol.peerId,
      { timeout: TIMEOUT, message: `${viewer.name} sees Carol (on the other node) as the active speaker` },
    );
  }
  t.pass('the active speaker is detected across the span');
  for (const person of people) {
    const remote = await person.page.evaluate(() => (window as unknown as { __shouwang: { remotePeerIds(): string[] } }).__shouwang.remotePeerIds(), null);
    t.same(remote.sort(), people.filter((p) => p !== person).map((p) => p.peerId).sort(), `${person.name} sees the two others`);
  }
});

// A fourth Chromium page beside three node processes, Redis and the three pages above: in the full suite
// (two files at once on 2 cores) that page was starved past Playwright's 30 s for one click, and a node
// starved past its heartbeat record. It runs in `npm run test:cluster` (SHOUWANG_CLUSTER_FULL=1), where
// it passes beside one other e2e file; in `npm test` the same Redis restart is covered in one process by
// test/server/cluster.test.ts ("with Redis down, calls go on...") and cluster-redis-restart.test.ts.
const fullCluster = process.env.SHOUWANG_CLUSTER_FULL === '1';
t.test('Redis going away and coming back empty does not end the call', {
  skip: fullCluster ? false : 'too heavy for the full suite on 2 cores: run `npm run test:cluster`',
}, async (t) => {
  await redis.kill();
  await expectMediaFlowing(everyPair(people), 'the call without Redis', { timeout: TIMEOUT });
  t.pass('media keeps flowing with Redis down');
  await redis.start();
  // The nodes write their rooms and people again; the room is found where it is.
  await waitFor(async () => (await inspector.hlen(`sw:room:${ROOM}:span`)) === 2, { timeout: TIMEOUT, message: 'the room span re-registered' });
  const dave = await joinRoom(chromiumCallPage('Dave', await browser.newPage('Dave')), nodes[2]!.url, ROOM, 'Dave', { timeout: TIMEOUT });
  await expectMediaFlowing(everyPair([...people, dave]), 'the call with Dave after Redis came back', { timeout: TIMEOUT });
  t.pass('a newcomer after the Redis restart joins the same call and media flows among all four');
});
