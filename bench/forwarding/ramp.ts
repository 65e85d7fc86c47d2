/**
 * One target's ramp: add producers step by step (each received by every viewer), let each step settle,
 * then measure a window - what reached the sink, what the sequence numbers say was lost, the CPU of the
 * SFU's media process, its control process, the sender and the sink - and stop once loss passes the
 * limit or the media process saturates its core.
 */
import { cpuWindow, udpDrops } from './process-cpu.js';
import { profileProcess, type Profile } from './profile.js';
import { RtpSender, SrtpSink } from './packet-engine.js';
import type { ForwardingTarget } from './target.js';

export interface RampOptions {
  viewers: number;
  /** Total producers at each step. */
  producerSteps: number[];
  warmupMs: number;
  measureMs: number;
  /** Stop after a step whose loss is above this (percent). */
  maxLossPct: number;
  /** Stop after a step whose media process used at least this share of cores (1 = one full core). */
  saturationCpu: number;
  /** The sink decrypts every n-th packet of each stream (1 = all). */
  verifyEvery: number;
  /** Packets per second of one stream (the clip's). */
  streamPps: number;
  /** After the last step, sample the media process with perf for this long (0: no profile). */
  profileSeconds: number;
  log: (line: string) => void;
}

export interface StepResult {
  producers: number;
  viewers: number;
  /** Forwarded streams: producers × viewers. */
  streams: number;
  forwardedPps: number;
  /** What the streams would carry at the clip's rate. */
  offeredPps: number;
  lossPct: number;
  /** Share of a core: 1 = one core busy for the whole window. */
  mediaCpu: number;
  controlCpu: number;
  senderCpu: number;
  sinkCpu: number;
  /** Forwarded packets per second per core of the media process. */
  ppsPerCore: number;
  /** ppsPerCore in 180-packet/s streams. */
  streamsPerCore: number;
  verified: number;
  authFail: number;
  badPayload: number;
  /** Sequence jumps the sink saw; a step that received more than its streams carry is marked invalid. */
  resyncs: number;
  /** Why the step's numbers cannot be trusted (then it never counts as capacity), if so. */
  invalid?: string;
  /** Machine-wide UDP receive-buffer overflows during the window (any socket: SFU's or sink's). */
  kernelDrops: number;
}

export interface RampResult {
  target: string;
  label: string;
  suite: string;
  steps: StepResult[];
  stopReason: string;
  /** Where the media process spent its CPU at the last step's load. */
  profile?: Profile;
}

/** How far a window's packet count may fall below the clip's average rate before it counts as loss. */
const DELIVERY_SLACK_PCT = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ramp(target: ForwardingTarget, options: RampOptions): Promise<RampResult> {
  const sink = await SrtpSink.start();
  const sender = new RtpSender();
  const steps: StepResult[] = [];
  let stopReason = `reached the last step (${options.producerSteps.at(-1)} producers)`;
  let profile: Profile | undefined;
  try {
    await target.init(options.viewers, sink.port);
    let producers = 0;
    for (const wanted of options.producerSteps) {
      const added = await target.addProducers(wanted - producers);
      producers = wanted;
      for (const producer of added) {
        for (const consumer of producer.consumers) await sink.key(consumer.ssrc, target.suite, consumer.keyBase64, options.verifyEvery);
      }
      await sender.add(added.map((p) => ({ port: p.port, ssrc: p.ssrc, suite: target.ingressSuite, keyBase64: p.keyBase64 })));
      await sleep(options.warmupMs);

      const { media, control } = target.pids();
      const cpu = cpuWindow({ media, ...(control ? { control } : {}), sender: sender.pid, sink: sink.pid });
      const dropsBefore = udpDrops().rcvbufErrors;
      sink.mark();
      await sleep(options.measureMs);
      const report = await sink.report();
      const shares = cpu.stop();
      const kernelDrops = udpDrops().rcvbufErrors - dropsBefore;

      const seconds = options.measureMs / 1000;
      const forwardedPps = report.received / seconds;
      // Loss by sequence numbers, or by what arrived against what was sent when that falls short by more
      // than a window's natural variation (the clip's packet rate varies with frame sizes): Janus
      // renumbers what it forwards, so packets it drops on input leave no gap at the sink.
      const offeredPackets = producers * options.viewers * options.streamPps * seconds;
      const seqLossPct = report.expected > 0 ? (Math.max(0, report.expected - report.received) / report.expected) * 100 : 100;
      const deliveryLossPct = Math.max(0, (1 - report.received / offeredPackets) * 100);
      const lossPct = Math.max(seqLossPct, deliveryLossPct > DELIVERY_SLACK_PCT ? deliveryLossPct : 0);
      const mediaCpu = shares.media ?? Number.NaN;
      const ppsPerCore = forwardedPps / mediaCpu;
      const step: StepResult = {
        producers,
        viewers: options.viewers,
        streams: producers * options.viewers,
        forwardedPps,
        offeredPps: producers * options.viewers * options.streamPps,
        lossPct,
        mediaCpu,
        controlCpu: shares.control ?? 0,
        senderCpu: shares.sender ?? Number.NaN,
        sinkCpu: shares.sink ?? Number.NaN,
        ppsPerCore,
        streamsPerCore: ppsPerCore / options.streamPps,
        verified: report.verified,
        authFail: report.authFail,
        badPayload: report.badPayload,
        resyncs: report.resyncs,
        // More packets than the producers sent means the counts mix in something else: never capacity.
        ...(forwardedPps > producers * options.viewers * options.streamPps * 1.05
          ? { invalid: `received ${Math.round(forwardedPps)} pkt/s, more than the ${Math.round(producers * options.viewers * options.streamPps)} offered` }
          : {}),
        kernelDrops,
      };
      steps.push(step);
      options.log(
        `${target.name}: ${step.streams} streams (${producers}x${options.viewers}) ${Math.round(forwardedPps)} pkt/s ` +
          `loss ${lossPct.toFixed(2)}% media ${(mediaCpu * 100).toFixed(0)}% control ${(step.controlCpu * 100).toFixed(0)}% ` +
          `sender ${(step.senderCpu * 100).toFixed(0)}% sink ${(step.sinkCpu * 100).toFixed(0)}% ` +
          `-> ${Math.round(step.streamsPerCore)} streams/core; verified ${report.verified} auth-failed ${report.authFail} bad-payload ${report.badPayload} resyncs ${report.resyncs} drops ${kernelDrops}${step.invalid ? ` INVALID: ${step.invalid}` : ''}`,
      );
      if (lossPct > options.maxLossPct) {
        stopReason = `loss ${lossPct.toFixed(2)}% > ${options.maxLossPct}% at ${step.streams} streams`;
        break;
      }
      if (mediaCpu >= options.saturationCpu) {
        stopReason = `media process at ${(mediaCpu * 100).toFixed(0)}% of a core at ${step.streams} streams`;
        break;
      }
    }
    if (options.profileSeconds > 0 && steps.length > 0) {
      profile = await profileProcess(target.pids().media, options.profileSeconds);
      options.log(`${target.name}: profile ${profile ? profile.byLibrary.map((e) => `${e.dso} ${e.share}%`).join(', ') : 'not available'}`);
    }
  } finally {
    await sender.close();
    await target.close();
    await sink.close();
  }
  return { target: target.name, label: target.label, suite: target.suite, steps, stopReason, ...(profile ? { profile } : {}) };
}
