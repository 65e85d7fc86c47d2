/**
 * Room placement (server/cluster/placement.ts) against a real Redis: new rooms to the least loaded
 * node, newcomers to the owner until ROOM_PEERS_PER_NODE, then to the span, then a new span node; a
 * node past NODE_CPU_LIMIT counts as full; a dead owner's room goes to its span first.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { RoomPlacement } from '../../server/cluster/placement.js';
import { startRedis } from '../helpers/redis.js';

const redis = await startRedis(t);
const client = new Redis(redis.url);
t.teardown(() => client.disconnect());
const placement = (node: string) => new RoomPlacement(client, node, 2);

t.test('a new room goes to the first (least loaded) live node, and stays there', async (t) => {
  t.equal(await placement('a').place('r1', ['b', 'a', 'c']), 'b', 'least loaded first');
  t.equal(await placement('a').place('r1', ['a', 'c', 'b']), 'b', 'the owner keeps it while it has space');
});

t.test('past the per-node limit the room spans, filling span nodes before adding one', async (t) => {
  await placement('b').claim('r1', 2);
  t.equal(await placement('a').place('r1', ['a', 'b', 'c']), 'a', 'the owner is full: the least loaded other node joins the span');
  await placement('a').claim('r1', 1);
  t.equal(await placement('c').place('r1', ['c', 'b', 'a']), 'a', 'a span node with space comes before a new one');
  await placement('a').claim('r1', 2);
  t.equal(await placement('c').place('r1', ['c', 'b', 'a']), 'c', 'all full: a third node joins');
  t.same((await client.hkeys('sw:room:r1:span')).sort(), ['a', 'b', 'c'], 'the span lists the three');
});

t.test('a node past the CPU limit takes no newcomers while another can', async (t) => {
  t.equal(await placement('a').place('r2', ['a', 'b'], ['a']), 'b', 'a busy node gets no new room, even listed first');
  t.equal(await placement('a').place('r2', ['a', 'b'], ['b']), 'a', 'once its owner is busy, the room spans to a node that is not');
  t.equal(await placement('a').place('r2', ['a', 'b'], ['a', 'b']), 'b', 'everyone busy: the owner takes more (it has space)');
});

t.test("a dead owner's room goes to a node of its span, else the least loaded", async (t) => {
  // r1: owner b, span a and c. b is not in the live list any more.
  t.equal(await placement('c').place('r1', ['c', 'a']), 'c', 'the least loaded live span node takes over');
  t.equal(await client.get('sw:room:r1:owner'), 'c', 'and owns it');
  t.notOk((await client.hkeys('sw:room:r1:span')).includes('b'), 'the dead node left the span');
  await client.set('sw:room:r3:owner', 'gone');
  t.equal(await placement('a').place('r3', ['a', 'c']), 'a', 'a room whose only node died goes to the least loaded');
});

t.test('releasing passes ownership on, and the last release forgets the room', async (t) => {
  await placement('c').release('r1');
  t.equal(await client.get('sw:room:r1:owner'), 'a', 'the owner left: another span node owns it');
  await placement('a').release('r1');
  t.equal(await client.get('sw:room:r1:owner'), null, 'nobody serves it: no owner');
  t.equal(await client.exists('sw:room:r1:span'), 0, 'and no span');
});
