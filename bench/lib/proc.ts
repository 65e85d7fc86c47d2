/**
 * What the kernel says about a process, read from /proc (Linux): resident memory, CPU time, children.
 * Benchmarks read the server this way from outside, so the measuring code never counts itself.
 */
import fs from 'node:fs';
import os from 'node:os';

const CLOCK_TICKS_PER_SECOND = 100;

/** Resident set size in bytes (VmRSS), or NaN once the process is gone. */
export function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU time the process used so far, in milliseconds (all its threads). */
export function cpuTimeOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields are counted from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / CLOCK_TICKS_PER_SECOND) * 1000;
  } catch {
    return Number.NaN;
  }
}

/** Direct children of `pid` (e.g. the mediasoup-worker processes of a server). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const list = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) children.push(...list.split(' ').map(Number));
    }
  } catch {
    // Gone already.
  }
  return children;
}

/** The command name of a process (`comm`), or '' once it is gone. */
export function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Measures CPU use of some processes over a window: call `stop()` at the end; the result is in cores
 * (1 = one core busy the whole window).
 */
export function cpuWindow(pids: () => number[]): { stop(): number } {
  const startedAt = performance.now();
  const start = new Map(pids().map((pid) => [pid, cpuTimeOf(pid)]));
  return {
    stop() {
      const elapsed = performance.now() - startedAt;
      let used = 0;
      for (const pid of pids()) {
        const now = cpuTimeOf(pid);
        if (Number.isFinite(now)) used += now - (start.get(pid) ?? 0);
      }
      return elapsed > 0 ? used / elapsed : Number.NaN;
    },
  };
}

export const MiB = 2 ** 20;

/** The machine's 1-minute load average (what BenchResult records before and after). */
export function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}

/** Jiffies the whole machine spent busy and in total so far (/proc/stat), for a busy fraction over a window. */
function machineJiffies(): { busy: number; total: number } {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, v) => sum + v, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** How busy all cores were between `start()` and `stop()`: 0 idle, 1 every core busy all the time. */
export function machineBusyWindow(): { stop(): number } {
  const start = machineJiffies();
  return {
    stop() {
      const end = machineJiffies();
      return end.total > start.total ? (end.busy - start.busy) / (end.total - start.total) : Number.NaN;
    },
  };
}
