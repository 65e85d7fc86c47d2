/**
 * The physical ceiling of forwarding on this machine, measured in the same run as the SFUs: one core
 * that only SRTP-encrypts and sends each packet (srtp-udp.c, with the same Debian libsrtp2 the
 * mediasoup worker and Janus link), plus the two halves alone, to show what each costs per packet.
 * The probe rotates over as many SRTP keys as the mediasoup targets send with (one per viewer).
 */
import type { BenchTable } from '../lib/result.js';
import { measureCeiling, SrtpSink, type CeilingResult, type Suite } from './packet-engine.js';

export interface Ceilings {
  /** Encrypt + send, per suite. */
  bySuite: Record<Suite, CeilingResult | undefined>;
  sendOnly: CeilingResult;
  encryptOnly: Partial<Record<Suite, CeilingResult>>;
  keys: number;
}

export async function measureCeilings(suites: Suite[], keys: number, seconds: number, log: (line: string) => void): Promise<Ceilings> {
  const sink = await SrtpSink.start();
  try {
    const bySuite: Ceilings['bySuite'] = { gcm256: undefined, gcm128: undefined, cm80: undefined };
    const encryptOnly: Ceilings['encryptOnly'] = {};
    for (const suite of suites) {
      bySuite[suite] = await measureCeiling(sink.port, suite, keys, seconds);
      encryptOnly[suite] = await measureCeiling(sink.port, suite, keys, seconds, false);
      log(`ceiling ${suite}: ${Math.round(bySuite[suite]!.ppsPerCore)} pkt/s per core (${Math.round(bySuite[suite]!.ppsPerCore / 180)} streams); encryption alone ${Math.round(encryptOnly[suite]!.ppsPerCore)}`);
    }
    const sendOnly = await measureCeiling(sink.port, 'none', 1, seconds);
    log(`ceiling: sendto alone ${Math.round(sendOnly.ppsPerCore)} pkt/s per core`);
    return { bySuite, sendOnly, encryptOnly, keys };
  } finally {
    await sink.close();
  }
}

const micros = (c: CeilingResult) => (1e6 / c.ppsPerCore).toFixed(2);

export function ceilingTable(ceilings: Ceilings): BenchTable {
  const row = (what: string, c: CeilingResult) => [what, Math.round(c.ppsPerCore).toLocaleString('en'), micros(c), Math.round(c.ppsPerCore / 180).toLocaleString('en')];
  const rows = [row('sendto alone (UDP on 127.0.0.1)', ceilings.sendOnly)];
  for (const [suite, c] of Object.entries(ceilings.bySuite)) {
    if (!c) continue;
    rows.push(row(`SRTP ${suite} encryption alone`, ceilings.encryptOnly[suite as Suite]!));
    rows.push(row(`SRTP ${suite} encryption + sendto (the ceiling)`, c));
  }
  return {
    title: 'The physical ceiling: one core, per packet',
    columns: ['what one core does', 'packets/s per core', 'µs per packet', '180-packet/s streams per core'],
    rows,
    note:
      `C probe (bench/forwarding/srtp-udp.c) with Debian's libsrtp2 (whose crypto backend is NSS; the mediasoup worker here links the same library), ` +
      `${ceilings.keys} SRTP keys in rotation, one sendto per packet to a sink on 127.0.0.1 (on loopback the receive side's kernel work runs in the sender's ` +
      `system call too, as it does for the SFUs). CPU = the probe's own user + system time.`,
  };
}
