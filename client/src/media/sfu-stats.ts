/**
 * The SFU session's statistics: what each consumer receives and each producer sends, read from
 * their RTCStatsReports. A consumer closing while its stats are read must not fail the whole report.
 */
import type { Consumer, Producer } from 'mediasoup-client/types';
import type { MediaSource } from '../../../protocol/media.js';
import type { MediaSessionStats } from './media-session.js';
import { inboundStats, outboundStats } from './rtc-stats.js';

export type ConsumerAppData = { peerId: string; source: MediaSource };

export async function collectStats(
  consumers: Iterable<Consumer<ConsumerAppData>>,
  producers: Iterable<Producer>,
): Promise<MediaSessionStats> {
  // A consumer closing while its stats are read must not fail the whole report.
  const inbound = await Promise.all(
    [...consumers].map((consumer) =>
      consumer
        .getStats()
        .then((report) =>
          inboundStats(report, {
            peerId: consumer.appData.peerId,
            consumerId: consumer.id,
            kind: consumer.kind,
            source: consumer.appData.source,
          }),
        )
        .catch(() => []),
    ),
  );
  const outbound = await Promise.all(
    [...producers].map((producer) =>
      producer
        .getStats()
        .then((report) => outboundStats(report, producer.kind))
        .catch(() => []),
    ),
  );
  return { inbound: inbound.flat(), outbound: outbound.flat() };
}

/** Frames decoded (video) or packets received (audio) so far by one consumer. */
export async function receivedCount(consumer: Consumer<ConsumerAppData>): Promise<number> {
  const ids = { peerId: consumer.appData.peerId, consumerId: consumer.id, kind: consumer.kind };
  const [stats] = inboundStats(await consumer.getStats(), ids);
  if (!stats) return 0;
  return stats.kind === 'video' ? (stats.framesDecoded ?? 0) : stats.packetsReceived;
}
