/**
 * The memory benchmark's smallest step (one room of 2 peers), so it cannot rot unnoticed: every phase
 * reaches the object counts it expects and memory is read for the server and its worker.
 */
import t from 'tap';
import { runMemory } from '../../bench/memory/memory-run.js';

t.test('two peers: join, transports, producers, consumers, memory read at each phase', async (t) => {
  const result = await runMemory({ rooms: 1, roomSize: 2, serverFromSource: true });
  t.equal(result.phases.length, 4, 'four phases');
  const last = result.phases.at(-1)!;
  t.same(last.counts, { rooms: 1, peers: 2, transports: 4, producers: 4, consumers: 4 }, 'what the server holds at the end');
  t.ok(result.idle.nodeRss > 10 * 2 ** 20 && result.idle.workerRss > 2 ** 20, 'idle RSS read');
  for (const phase of result.phases) t.ok(phase.nodeRss > 0 && phase.workerRss > 0, `${phase.label}: RSS read`);
});
