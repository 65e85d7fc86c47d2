/**
 * Diagnostic for the P2P switch bench (SWITCH_TRACE=1): what each page's WebRTC stack did around a long
 * frame gap. Every RTCPeerConnection the page makes is kept; an init script samples its video RTP
 * stats every 100 ms (frames encoded/sent per encoding, packets/frames received and decoded, PLIs,
 * NACKs, freezes), and records main-thread stalls (a 20 ms timer firing late) — all in the page's
 * performance.now() clock, the one the frame clock uses, so a gap can be laid over them.
 */
import type { Page } from 'playwright-core';
import { recordPeerConnections } from '../../test/helpers/selected-pairs.js';

export interface TraceSample {
  at: number;
  pc: number;
  /** Per outbound video encoding (rid or '-'): frames encoded, packets sent, quality limitation. */
  out: Record<string, { enc: number; sent: number; limit: string; kf: number }>;
  /** Per inbound video stream (ssrc): packets received, frames received/decoded/dropped, freezes, PLIs/NACKs sent. */
  in: Record<string, { pkts: number; recv: number; dec: number; drop: number; freezes: number; pli: number; nack: number; lost: number }>;
}

export interface PageTrace {
  samples: TraceSample[];
  /** Main-thread stalls: [start, ms late]. */
  stalls: [number, number][];
  /** Video frame callbacks: [callback time, video element number, presentationTime, presentedFrames]. */
  frames: [number, number, number, number][];
}

function installer(): void {
  // The connections are kept by helpers/selected-pairs.ts's wrapper (installed with this script).
  const g = globalThis as unknown as { __rtpTrace?: PageTrace; __testPeerConnections?: RTCPeerConnection[] };
  const trace: PageTrace = { samples: [], stalls: [], frames: [] };
  g.__rtpTrace = trace;
  const videos = new WeakMap<HTMLVideoElement, number>();
  let nextVideo = 0;
  const nativeCallback = HTMLVideoElement.prototype.requestVideoFrameCallback;
  HTMLVideoElement.prototype.requestVideoFrameCallback = function (this: HTMLVideoElement, callback: VideoFrameRequestCallback) {
    let id = videos.get(this);
    if (id === undefined) videos.set(this, (id = nextVideo++));
    const video = id;
    return nativeCallback.call(this, (now, metadata) => {
      trace.frames.push([now, video, metadata.presentationTime, metadata.presentedFrames]);
      if (trace.frames.length > 50_000) trace.frames.splice(0, 10_000);
      callback(now, metadata);
    });
  };
  let expected = performance.now() + 20;
  setInterval(() => {
    const now = performance.now();
    if (now - expected > 40) trace.stalls.push([expected, now - expected]);
    expected = now + 20;
  }, 20);
  setInterval(() => {
    (g.__testPeerConnections ?? []).forEach((pc, index) => {
      if (pc.connectionState === 'closed') return;
      const at = performance.now();
      void pc.getStats().then((report) => {
        const sample: TraceSample = { at, pc: index, out: {}, in: {} };
        report.forEach((s: Record<string, unknown>) => {
          if (s.kind !== 'video') return;
          if (s.type === 'outbound-rtp') {
            sample.out[String(s.rid ?? '-')] = {
              enc: Number(s.framesEncoded ?? 0),
              sent: Number(s.packetsSent ?? 0),
              limit: String(s.qualityLimitationReason ?? ''),
              kf: Number(s.keyFramesEncoded ?? 0),
            };
          } else if (s.type === 'inbound-rtp') {
            sample.in[String(s.ssrc)] = {
              pkts: Number(s.packetsReceived ?? 0),
              recv: Number(s.framesReceived ?? 0),
              dec: Number(s.framesDecoded ?? 0),
              drop: Number(s.framesDropped ?? 0),
              freezes: Number(s.freezeCount ?? 0),
              pli: Number(s.pliCount ?? 0),
              nack: Number(s.nackCount ?? 0),
              lost: Number(s.packetsLost ?? 0),
            };
          }
        });
        trace.samples.push(sample);
        if (trace.samples.length > 20_000) trace.samples.splice(0, 5_000);
      });
    });
  }, 100);
}

export async function installRtpTrace(page: Page): Promise<void> {
  await recordPeerConnections(page);
  await page.addInitScript(installer);
}

export function rtpTraceOf(page: Page, from: number, to: number): Promise<PageTrace> {
  return page.evaluate(
    ([start, end]) => {
      const trace = (globalThis as unknown as { __rtpTrace?: PageTrace }).__rtpTrace;
      if (!trace) return { samples: [], stalls: [], frames: [] };
      return {
        samples: trace.samples.filter((s) => s.at >= start && s.at <= end),
        stalls: trace.stalls.filter(([at]) => at >= start && at <= end),
        frames: trace.frames.filter(([at]) => at >= start && at <= end),
      };
    },
    [from, to] as const,
  );
}

/** One line per sample, as differences from the previous sample of the same connection. */
export function formatTrace(label: string, trace: PageTrace, origin: number): string[] {
  const lines: string[] = [];
  const previous = new Map<number, TraceSample>();
  for (const sample of trace.samples) {
    const before = previous.get(sample.pc);
    previous.set(sample.pc, sample);
    if (!before) continue;
    const out = Object.entries(sample.out)
      .map(([rid, o]) => {
        const b = before.out[rid];
        return `${rid}:e${o.enc - (b?.enc ?? o.enc)}/p${o.sent - (b?.sent ?? o.sent)}${o.kf !== (b?.kf ?? o.kf) ? 'K' : ''}${o.limit !== 'none' ? `(${o.limit})` : ''}`;
      })
      .join(' ');
    const inbound = Object.entries(sample.in)
      .map(([ssrc, i]) => {
        const b = before.in[ssrc];
        if (!b) return `${ssrc.slice(-4)}:new`;
        const extra = [
          i.drop - b.drop ? `drop${i.drop - b.drop}` : '',
          i.freezes - b.freezes ? `FREEZE` : '',
          i.pli - b.pli ? `pli${i.pli - b.pli}` : '',
          i.nack - b.nack ? `nack${i.nack - b.nack}` : '',
          i.lost - b.lost ? `lost${i.lost - b.lost}` : '',
        ].filter(Boolean);
        return `${ssrc.slice(-4)}:p${i.pkts - b.pkts}/r${i.recv - b.recv}/d${i.dec - b.dec}${extra.length ? `[${extra.join(',')}]` : ''}`;
      })
      .join(' ');
    lines.push(`${label} ${Math.round(sample.at - origin).toString().padStart(6)} pc${sample.pc} out ${out || '-'} | in ${inbound || '-'}`);
  }
  const lastPresented = new Map<number, number>();
  for (const [at, video, presentedAt, presented] of trace.frames) {
    const before = lastPresented.get(video);
    lastPresented.set(video, presented);
    lines.push(`${label} ${Math.round(at - origin).toString().padStart(6)} frame v${video} presented at ${Math.round(presentedAt - origin)} +${before === undefined ? '?' : presented - before}`);
  }
  for (const [at, late] of trace.stalls) lines.push(`${label} ${Math.round(at - origin).toString().padStart(6)} MAIN THREAD late ${Math.round(late)} ms`);
  return lines.sort((a, b) => Number(a.split(/\s+/)[1]) - Number(b.split(/\s+/)[1]));
}

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Samples the page's main thread (V8 CPU profiler over CDP) until the returned stop(): self time per function. */
export async function profileMainThread(page: Page): Promise<() => Promise<string[]>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  const startedAt = await page.evaluate(() => performance.now());
  return async () => {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
    };
    await cdp.detach().catch(() => undefined);
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map<string, number>();
    profile.samples.forEach((id, index) => {
      const frame = byId.get(id)?.callFrame;
      const key = frame ? `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}` : '?';
      self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[index + 1] ?? 0));
    });
    // The longest stretches the main thread spent in one place (blocking native calls show here), with their stack.
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const stackOf = (id: number) => {
      const names: string[] = [];
      for (let at: number | undefined = id; at !== undefined && names.length < 8; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (frame && frame.functionName !== '(root)') names.push(`${frame.functionName || '(anon)'}:${frame.lineNumber}`);
      }
      return names.join(' < ');
    };
    const runs: { at: number; ms: number; id: number }[] = [];
    let clock = 0;
    let run: (typeof runs)[number] | null = null;
    profile.samples.forEach((id, index) => {
      clock += profile.timeDeltas[index] ?? 0;
      const name = byId.get(id)?.callFrame.functionName;
      if (name === '(idle)') {
        run = null;
        return;
      }
      if (run && run.id === id) run.ms += (profile.timeDeltas[index + 1] ?? 0) / 1000;
      else {
        run = { at: startedAt + clock / 1000, ms: (profile.timeDeltas[index + 1] ?? 0) / 1000, id };
        runs.push(run);
      }
    });
    const longest = runs
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8)
      .map((r) => `  run ${r.ms.toFixed(1)} ms at ${Math.round(r.at)}: ${stackOf(r.id)}`);
    const total = (profile.endTime - profile.startTime) / 1000;
    const busy = [...self].filter(([key]) => !key.startsWith('(idle)') && !key.startsWith('(program)')).reduce((sum, [, us]) => sum + us, 0) / 1000;
    return [
      `profile ${Math.round(total)} ms, JS busy ${Math.round(busy)} ms, program ${Math.round((self.get('(program) :-1') ?? 0) / 1000)} ms`,
      ...[...self]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([key, us]) => `  ${(us / 1000).toFixed(1).padStart(7)} ms ${key}`),
      ...longest,
    ];
  };
}
