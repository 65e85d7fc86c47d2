/**
 * The one shape every benchmark writes, so `npm run bench` can rebuild bench/RESULTS.md from
 * bench/results/<name>.json without knowing what each benchmark measures.
 *
 * A benchmark measures its baseline in the same run (bare mediasoup, Janus, the physical ceiling, an
 * idle window...) and reports ratios against it: absolute numbers from a shared 2-core machine mean
 * little on their own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchTable {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  /** One Markdown paragraph shown under the table: how it was measured, what limits it. */
  note?: string;
}

export interface BenchPlot {
  title: string;
  /** File name of an SVG the benchmark generated, relative to bench/results/. */
  file: string;
}

export interface BenchTarget {
  /** The target as the issue states it, e.g. "join p50 under 300 ms". */
  target: string;
  /** What was measured, e.g. "p50 212 ms". */
  measured: string;
  met: boolean;
  /** When not met: what limits it (from profiling), honestly. */
  why?: string;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  /** 1-minute load average when the run started and ended: a busy machine invalidates a run. */
  loadBefore: number;
  loadAfter: number;
}

export interface BenchResult {
  /** File-safe name: bench/<name>.ts writes bench/results/<name>.json. */
  name: string;
  title: string;
  startedAt: string;
  durationS: number;
  machine: MachineInfo;
  /** How to run this one benchmark and what its knobs are. */
  howToRun: string;
  targets: BenchTarget[];
  tables: BenchTable[];
  plots: BenchPlot[];
}

export const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

export function machineInfo(loadBefore: number): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadBefore,
    loadAfter: os.loadavg()[0] ?? 0,
  };
}

export function writeResult(result: BenchResult): string {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
