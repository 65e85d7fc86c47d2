/**
 * CPU shares of named processes over a measurement window, and the kernel's UDP drop counters from
 * /proc/net/snmp: a packet lost because a receive buffer overflowed is told apart from one an SFU
 * never sent.
 */
import fs from 'node:fs';
import { cpuTimeOf } from '../lib/proc.js';

/** Samples several processes' CPU over a window: `stop()` gives each one's share of a core (1 = one core). */
export function cpuWindow(pids: Record<string, number>): { stop(): Record<string, number> } {
  const startedAt = process.hrtime.bigint();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTimeOf(pid) / 1000]));
  return {
    stop() {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, (cpuTimeOf(pid) / 1000 - before[name]!) / seconds]));
    },
  };
}

/** UDP receive-buffer overflows and other receive errors, machine-wide, since boot. */
export function udpDrops(): { rcvbufErrors: number; inErrors: number } {
  const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const field = (name: string) => Number(values[names.indexOf(name)] ?? 0);
  return { rcvbufErrors: field('RcvbufErrors'), inErrors: field('InErrors') };
}
