/**
 * Forwarding capacity (issue #8, benchmark 1): N pre-encoded VP8 producers (~1 Mbps, ~180 packets/s,
 * SRTP) each received by M viewers through SRTP PlainTransports (or Janus forwarders) into a C sink
 * that counts packets, loss (sequence numbers) and decrypts a sample. The load ramps until loss passes
 * 0.5 % or the SFU's media process saturates its core, against:
 *   shouwang - our server stack (bench/forwarding/shouwang-target.ts),
 *   bare     - mediasoup alone (bare-target.ts),
 *   janus    - Janus 1.1.2 VideoRoom from Debian (janus-target.ts; skipped if not installed),
 *   shouwang-cm80 - Shouwang again with Janus's SRTP suite (AES_CM_128_HMAC_SHA1_80), for the ratio,
 * and the physical ceiling measured in the same run: one core doing SRTP encryption + sendto per
 * packet (srtp-udp.c, C with libsrtp2, since Node itself would be the bottleneck).
 *
 * Run: `npm run bench -- forwarding` (under the heavy-run lock), or directly
 * `node --import=@tapjs/typescript/import bench/forwarding.ts`. Knobs (env): FWD_TARGETS
 * (shouwang,bare,janus,shouwang-cm80), FWD_VIEWERS (10), FWD_STEPS (producers per step), FWD_WARMUP_MS (3000),
 * FWD_MEASURE_MS (5000), FWD_SUITE (gcm256), FWD_CEILING_S (3), FWD_VERIFY_EVERY (50), FWD_PROFILE_S (3 with
 * perf installed, 0 without: perf samples each SFU's media process at its last step).
 */
import os from 'node:os';
import { runBenchmark } from './lib/harness.js';
import { loadAverage } from './lib/proc.js';
import { machineInfo, writeResult, type BenchResult, type BenchTable } from './lib/result.js';
import { JanusTarget, janusAvailable } from './forwarding/janus-target.js';
import { ceilingTable, measureCeilings } from './forwarding/ceiling.js';
import type { CeilingResult, Suite } from './forwarding/packet-engine.js';
import { perfAvailable } from './forwarding/profile.js';
import { ramp, type RampResult } from './forwarding/ramp.js';
import { rtpClip } from './forwarding/rtp-source.js';
import { capacityOf, limitOf, overheadOf, plots, profileTable, rampTable, targetsOf, type Capacity } from './forwarding/summary.js';
import { ChildTarget, type ForwardingTarget } from './forwarding/target.js';

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const MAX_LOSS_PCT = 0.5;
const options = {
  targets: env('FWD_TARGETS', 'shouwang,bare,janus,shouwang-cm80').split(','),
  viewers: Number(env('FWD_VIEWERS', '10')),
  steps: env('FWD_STEPS', '2,5,10,15,20,25,30,35,40,50,60,80,100,150').split(',').map(Number),
  warmupMs: Number(env('FWD_WARMUP_MS', '3000')),
  measureMs: Number(env('FWD_MEASURE_MS', '5000')),
  suite: env('FWD_SUITE', 'gcm256') as Suite,
  ceilingS: Number(env('FWD_CEILING_S', '3')),
  verifyEvery: Number(env('FWD_VERIFY_EVERY', '50')),
  profileS: Number(env('FWD_PROFILE_S', perfAvailable() ? '3' : '0')),
};

function targetFor(name: string): ForwardingTarget | undefined {
  if (name === 'shouwang' || name === 'bare') return new ChildTarget(name, options.suite);
  // Janus's forwarders only know AES-CM: Shouwang with the same suite is the like-for-like comparison.
  if (name === 'shouwang-cm80') return new ChildTarget('shouwang', 'cm80', name);
  if (name === 'janus') return janusAvailable() ? new JanusTarget() : undefined;
  throw new Error(`unknown forwarding target ${name}`);
}

await runBenchmark('forwarding', async (harness) => {
  const loadBefore = loadAverage();
  const started = Date.now();
  const clip = rtpClip();
  harness.log(`clip: ${clip.kbps.toFixed(0)} kbps, ${clip.packetsPerSecond.toFixed(1)} pkt/s, ${clip.meanPacketBytes.toFixed(0)} B/packet`);
  // As many SRTP keys as the mediasoup targets send with: one per viewer transport.
  const measured = await measureCeilings([...new Set<Suite>([options.suite, 'cm80'])], options.viewers, options.ceilingS, harness.log);
  const ceiling = measured.bySuite;

  const ramps: RampResult[] = [];
  const skipped: string[] = [];
  for (const name of options.targets) {
    const target = targetFor(name);
    if (!target) {
      skipped.push(`${name} (not installed: apt-get install janus)`);
      continue;
    }
    harness.teardown(() => target.close());
    ramps.push(
      await ramp(target, {
        viewers: options.viewers,
        producerSteps: options.steps,
        warmupMs: options.warmupMs,
        measureMs: options.measureMs,
        maxLossPct: MAX_LOSS_PCT,
        // mediasoup's worker is one thread; Janus runs a thread per publisher and may use every core.
        saturationCpu: name === 'janus' ? os.availableParallelism() * 0.95 : 0.95,
        verifyEvery: options.verifyEvery,
        streamPps: clip.packetsPerSecond,
        profileSeconds: name === 'bare' ? 0 : options.profileS,
        log: harness.log,
      }),
    );
  }

  const capacities = new Map<string, Capacity>(ramps.map((r) => [r.target, capacityOf(r, MAX_LOSS_PCT, ceiling)]));
  const shouwangRamp = ramps.find((r) => r.target === 'shouwang');
  const bareRamp = ramps.find((r) => r.target === 'bare');
  const overhead = shouwangRamp && bareRamp ? overheadOf(shouwangRamp, bareRamp) : undefined;
  const shouwang = capacities.get('shouwang');
  const janus = capacities.get('janus');

  const summary: BenchTable = {
    title: 'Summary: capacity per core (heaviest step within 0.5 % loss)',
    columns: ['target', 'SRTP', 'max streams without loss', 'forwarded pkt/s', 'media CPU', 'streams per core', '% of ceiling (same suite)'],
    rows: [
      ...[...capacities.values()].map((c) => [
        c.ramp.label,
        c.ramp.suite,
        c.best?.streams ?? 0,
        Math.round(c.best?.forwardedPps ?? 0),
        `${((c.best?.mediaCpu ?? 0) * 100).toFixed(0)} %`,
        Math.round(c.streamsPerCore),
        `${(c.ceilingShare * 100).toFixed(0)} %`,
      ]),
      ...Object.entries(ceiling)
        .filter((entry): entry is [string, CeilingResult] => entry[1] !== undefined)
        .map(([suite, c]) => [`ceiling: SRTP encrypt + sendto, 1 core (C, libsrtp2)`, suite, '-', Math.round(c.packets / c.wallS), `${((c.cpuS / c.wallS) * 100).toFixed(0)} %`, Math.round(c.ppsPerCore / 180), '100 %']),
    ],
    note:
      `Load: N producers × M = ${options.viewers} viewers; each producer replays a ${clip.kbps.toFixed(0)} kbps VP8 clip ` +
      `(${clip.packetsPerSecond.toFixed(1)} packets/s, ${clip.meanPacketBytes.toFixed(0)} bytes per packet) as SRTP from one C sender process; ` +
      `every forwarded stream goes over UDP on 127.0.0.1 to one C sink that counts packets per SSRC, takes loss from sequence numbers and ` +
      `decrypts every ${options.verifyEvery}th packet. Streams per core = forwarded packets/s ÷ media-process CPU ÷ 180. ` +
      (overhead ? `Shouwang vs bare mediasoup: ${overhead.total.toFixed(1)} % more CPU per forwarded packet (worker + Node; worker alone ${overhead.worker.toFixed(1)} %). ` : '') +
      (skipped.length > 0 ? `Skipped: ${skipped.join(', ')}.` : ''),
  };

  const limitShouwang = shouwang ? limitOf(shouwang, measured) : '';
  const likeForLike = capacities.get('shouwang-cm80') ?? shouwang;
  const floorUs = (suite: Suite) => 1e6 / measured.sendOnly.ppsPerCore + 1e6 / (measured.encryptOnly[suite]?.ppsPerCore ?? Number.NaN);
  const limitJanus =
    janus && likeForLike
      ? `With ${janus.ramp.suite}, Janus spends ${(1e6 / janus.ppsPerCore).toFixed(1)} µs of CPU per forwarded packet and Shouwang ` +
        `${(1e6 / likeForLike.ppsPerCore).toFixed(1)} µs. Both pay the same floor per packet, the kernel's sendto plus libsrtp2's encryption: ` +
        `${floorUs(janus.ramp.suite as Suite).toFixed(1)} µs measured alone (${((floorUs(janus.ramp.suite as Suite) * likeForLike.ppsPerCore) / 1e4).toFixed(0)} % ` +
        `of Shouwang's cost). A 3× ratio would need Janus to spend 3× Shouwang's whole cost; on this machine the shared floor leaves little room ` +
        'for any SFU to be 3× another. Janus also skips ingress decryption here (its 1.1.2 remote publishers take plain RTP).'
      : '';

  const result: BenchResult = {
    name: 'forwarding',
    title: 'Forwarding capacity: Shouwang vs bare mediasoup vs Janus vs the physical ceiling',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(loadBefore),
    howToRun:
      'npm run bench -- forwarding (or node --import=@tapjs/typescript/import bench/forwarding.ts under flock /tmp/shouwang-heavy.lock). ' +
      'Knobs: FWD_TARGETS, FWD_VIEWERS, FWD_STEPS, FWD_WARMUP_MS, FWD_MEASURE_MS, FWD_SUITE, FWD_CEILING_S, FWD_VERIFY_EVERY. Janus: apt-get install janus.',
    targets: targetsOf(capacities, overhead, { shouwang: limitShouwang, janus: limitJanus }),
    tables: [
      summary,
      ceilingTable(measured),
      ...ramps.map((r) => rampTable(r, ceiling)),
      ...ramps.flatMap((r) => (r.profile ? [profileTable(r)] : [])),
    ],
    plots: plots(ramps, [...capacities.values()], ceiling),
  };
  harness.log(`wrote ${writeResult(result)}`);
  for (const target of result.targets) harness.log(`${target.met ? 'MET' : 'NOT MET'}: ${target.target}: ${target.measured}`);
});
