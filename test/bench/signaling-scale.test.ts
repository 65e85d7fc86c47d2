/**
 * The signaling scale benchmark's smallest step (20 peers in rooms of 5), so the benchmark cannot rot
 * unnoticed: every peer joins, latencies and memory come out as sane numbers. No timing is asserted.
 */
import t from 'tap';
import { runSignalingScale } from '../../bench/signaling/scale-run.js';

t.test('20 signaling peers join rooms of 5 and answer pings', async (t) => {
  const result = await runSignalingScale({
    steps: [20],
    roomSize: 5,
    loadProcesses: 2,
    joinConcurrency: 5,
    pingWindowMs: 1500,
    pingIntervalMs: 500,
    serverFromSource: true,
  });
  const [step] = result.steps;
  if (!step) throw new Error('no step measured');
  t.equal(step.joined, 20, 'all peers joined');
  t.same(step.failures, [], 'no join failed');
  t.equal(step.rooms, 4);
  // Every room of 5 announces each newcomer to those already in: 0+1+2+3+4 per room.
  t.equal(step.notifications, 4 * 10, 'each join was announced to the room');
  for (const [name, summary] of [['join', step.join], ['ping', step.ping], ['connect', step.connect]] as const) {
    t.ok(summary.p50 > 0, `${name} p50 > 0`);
    t.ok(summary.p99 >= summary.p50, `${name} p99 >= p50`);
  }
  t.ok(step.ping.n >= 20, `pings answered (${step.ping.n})`);
  t.equal(step.pingFailures, 0, 'no ping failed');
  t.ok(result.idle.nodeRss > 10 * 2 ** 20 && step.serverNodeRss > 0 && step.serverWorkerRss > 0, 'RSS of server and worker read');
  t.ok(step.serverCpu >= 0 && step.loadGeneratorCpu > 0, 'CPU read');
});
