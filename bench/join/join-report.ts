/**
 * Turns timed joins (join-trial.ts) into the benchmark's tables: each milestone's p50/p95 in ms after
 * the click, and the p50 of each step between consecutive milestones (where the time goes).
 */
import type { BenchTable } from '../lib/result.js';
import { fmt, percentile } from '../lib/distribution.js';
import type { JoinTimeline } from './join-trial.js';

type Milestone = Exclude<keyof JoinTimeline, 'getUserMediaMs' | 'machineBusy'>;

export const MILESTONES: Array<{ key: Milestone; label: string; short: string; step: string }> = [
  { key: 'socketOpen', short: 'socket', label: 'signaling socket open', step: 'click -> socket open (devices, WebSocket)' },
  { key: 'joined', short: 'join', label: '`join` answered', step: 'socket open -> `join` answered' },
  { key: 'transportsReady', short: 'transports', label: 'transports ready', step: 'device load, 2x createTransport, setCapabilities' },
  { key: 'firstVideoConsumer', short: 'newConsumer', label: 'first video `newConsumer` received', step: 'server creates consumers, sends newConsumer' },
  { key: 'consumed', short: 'consumed', label: 'video consumer set up (answered)', step: 'browser sets up consumer(s) (SDP), 1st connects transport' },
  { key: 'receiveIceConnected', short: 'ICE', label: 'receive transport ICE connected', step: 'ICE checks' },
  { key: 'receiveConnected', short: 'DTLS', label: 'receive transport DTLS connected', step: 'DTLS handshake' },
  { key: 'firstFrame', short: '1st frame', label: 'first remote frame on screen', step: 'resume, keyframe, decode, render' },
  { key: 'allFirstFrames', short: 'all frames', label: 'every remote person\'s first frame', step: 'the other people\'s first frames' },
  { key: 'p2p', short: 'P2P', label: 'media on P2P', step: 'P2P negotiation, ICE, first P2P frame, handover' },
];

const values = (timelines: JoinTimeline[], key: Milestone): number[] =>
  timelines.map((t) => t[key]).filter((v): v is number => v !== undefined && Number.isFinite(v));

export function milestoneTable(title: string, timelines: JoinTimeline[]): BenchTable {
  const rows: Array<Array<string | number>> = [];
  let previous: Milestone | undefined;
  for (const milestone of MILESTONES) {
    const at = values(timelines, milestone.key);
    if (at.length === 0) continue;
    // Step durations per trial, from the previous milestone that this trial has.
    const steps = previous
      ? timelines.flatMap((t) => {
          const from = t[previous!];
          const to = t[milestone.key];
          return from !== undefined && to !== undefined ? [to - from] : [];
        })
      : at;
    rows.push([milestone.label, at.length, fmt(percentile(at, 50)), fmt(percentile(at, 95)), milestone.step, fmt(percentile(steps, 50))]);
    if (milestone.key !== 'allFirstFrames' && milestone.key !== 'p2p') previous = milestone.key;
  }
  const gum = timelines.map((t) => t.getUserMediaMs);
  const busy = timelines.map((t) => t.machineBusy * 100).filter(Number.isFinite);
  return {
    title,
    columns: ['milestone', 'joins', 'p50 (ms after click)', 'p95 (ms after click)', 'step before it', 'step p50 (ms)'],
    rows,
    note:
      `getUserMedia after the click: p50 ${fmt(percentile(gum, 50))} ms (the preview's tracks are reused when 0). ` +
      `Machine CPU busy during a join (both cores, click to first frames): p50 ${fmt(percentile(busy, 50))} %, min ${fmt(Math.min(...busy))} %.`,
  };
}

export function p50Of(timelines: JoinTimeline[], key: Milestone): number {
  return percentile(values(timelines, key), 50);
}

export function p95Of(timelines: JoinTimeline[], key: Milestone): number {
  return percentile(values(timelines, key), 95);
}
