/**
 * The network quality levels the server reports: the level rules, and the monitor reporting only
 * changes, leaving out paused streams (mediasoup scores an idle stream 0) and peers without media.
 */
import t from 'tap';
import { ConnectionQualityMonitor, qualityLevel } from '../../server/rooms/connection-quality.js';
import type { Peer } from '../../server/rooms/peer.js';
import type { PeerConnectionQuality } from '../../protocol/server-messages.js';

t.test('levels from scores and round trip', async (t) => {
  t.equal(qualityLevel({}), null, 'nothing measured: no level');
  t.equal(qualityLevel({ uplinkScore: 10, downlinkScore: 10, rttMs: 20 }), 'good');
  t.equal(qualityLevel({ uplinkScore: 10, rttMs: 350 }), 'fair', 'a long round trip alone');
  t.equal(qualityLevel({ uplinkScore: 6, downlinkScore: 10 }), 'fair', 'some loss upstream');
  t.equal(qualityLevel({ downlinkScore: 3 }), 'poor', 'heavy loss downstream');
  t.equal(qualityLevel({ uplinkScore: 10, rttMs: 900 }), 'poor', 'a very long round trip');
  t.equal(qualityLevel({ uplinkScore: 10, disconnected: true }), 'poor', 'ICE lost');
  t.equal(qualityLevel({ rttMs: 40 }), 'good', 'round trip only (receiving, not sending)');
});

/** Just the parts of mediasoup objects the monitor reads. */
function fakePeer(id: string, options: { producerScores?: number[][]; pausedProducer?: boolean; consumerScores?: number[]; rtt?: number }): Peer {
  const producers = (options.producerScores ?? []).map((scores) => ({
    paused: options.pausedProducer ?? false,
    closed: false,
    score: scores.map((score, encodingIdx) => ({ encodingIdx, ssrc: 1, score })),
  }));
  const consumers = (options.consumerScores ?? []).map((score) => ({
    closed: false,
    paused: false,
    producerPaused: false,
    score: { score, producerScore: 10, producerScores: [] },
    getStats: async () => [{ type: 'outbound-rtp', roundTripTime: options.rtt }],
  }));
  return {
    id,
    closed: false,
    producers: new Map(producers.map((p, i) => [`p${i}`, p])),
    consumers: new Map(consumers.map((c, i) => [`c${i}`, c])),
    transports: new Map([['t', { iceState: 'completed' }]]),
  } as unknown as Peer;
}

t.test('the monitor reports changes only, and judges simulcast by its best layer', async (t) => {
  let peers: Peer[] = [];
  const reports: PeerConnectionQuality[][] = [];
  const monitor = new ConnectionQualityMonitor({ peers: () => peers, report: (changes) => reports.push(changes), intervalMs: 60_000 });
  t.teardown(() => monitor.close());

  peers = [
    // The top simulcast layer was dropped by the sender (score 0): not a network problem.
    fakePeer('alice', { producerScores: [[10, 9, 0]], consumerScores: [10], rtt: 25.4 }),
    fakePeer('bob', { producerScores: [[4]], consumerScores: [10] }),
    fakePeer('muted', { producerScores: [[0]], pausedProducer: true }),
  ];
  await monitor.measure();
  t.same(reports, [
    [
      { peerId: 'alice', quality: 'good', rttMs: 25 },
      { peerId: 'bob', quality: 'poor' },
    ],
  ], 'alice good (25 ms), bob poor; a peer with only a paused producer has no level');

  await monitor.measure();
  t.equal(reports.length, 1, 'nothing changed: nothing reported');

  peers = [fakePeer('alice', { producerScores: [[10, 9, 0]], consumerScores: [10], rtt: 30 }), fakePeer('bob', { producerScores: [[10]], consumerScores: [9] })];
  await monitor.measure();
  t.same(reports[1], [{ peerId: 'bob', quality: 'good' }], 'bob recovered; a 5 ms round-trip change is no news');
  t.same(monitor.snapshot().map((q) => q.quality), ['good', 'good'], 'the snapshot for newcomers has everyone');

  monitor.forget('bob');
  t.same(monitor.snapshot().map((q) => q.peerId), ['alice'], 'a peer who left is forgotten');
});
