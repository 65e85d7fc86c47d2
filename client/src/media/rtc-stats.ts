/**
 * Reading the few numbers the app (and its end-to-end tests) care about out of an RTCStatsReport.
 * Report entries are loosely typed by the DOM library, so every field is read defensively.
 */
import type { InboundStats, OutboundStats } from './media-session.js';

type StatsEntry = Record<string, unknown>;

function entriesOfType(report: RTCStatsReport, type: 'inbound-rtp' | 'outbound-rtp'): StatsEntry[] {
  const entries: StatsEntry[] = [];
  report.forEach((value: unknown) => {
    if (typeof value === 'object' && value !== null && (value as StatsEntry).type === type) {
      entries.push(value as StatsEntry);
    }
  });
  return entries;
}

function numberField(entry: StatsEntry, field: string): number | undefined {
  const value = entry[field];
  return typeof value === 'number' ? value : undefined;
}

/** The receiving side of one remote track; a report normally holds one `inbound-rtp` entry. */
export function inboundStats(
  report: RTCStatsReport,
  ids: Pick<InboundStats, 'peerId' | 'consumerId' | 'kind' | 'source'>,
): InboundStats[] {
  return entriesOfType(report, 'inbound-rtp').map((entry) => {
    const stats: InboundStats = {
      ...ids,
      bytesReceived: numberField(entry, 'bytesReceived') ?? 0,
      packetsReceived: numberField(entry, 'packetsReceived') ?? 0,
    };
    if (ids.kind === 'video') {
      stats.framesDecoded = numberField(entry, 'framesDecoded') ?? 0;
      stats.frameWidth = numberField(entry, 'frameWidth');
      stats.frameHeight = numberField(entry, 'frameHeight');
    } else {
      stats.totalSamplesReceived = numberField(entry, 'totalSamplesReceived') ?? 0;
    }
    return stats;
  });
}

/** The sending side of one local track: one entry per simulcast layer. */
export function outboundStats(report: RTCStatsReport, kind: 'audio' | 'video'): OutboundStats[] {
  return entriesOfType(report, 'outbound-rtp').map((entry) => {
    const stats: OutboundStats = { kind, bytesSent: numberField(entry, 'bytesSent') ?? 0 };
    const rid = entry.rid;
    if (typeof rid === 'string') stats.rid = rid;
    if (kind === 'video') stats.framesEncoded = numberField(entry, 'framesEncoded') ?? 0;
    return stats;
  });
}
