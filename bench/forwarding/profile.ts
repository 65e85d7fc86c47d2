/**
 * Where an SFU process spends its CPU under load, from a few seconds of `perf record` (Debian's
 * linux-perf): shares per library (kernel, libsrtp2/NSS crypto, the SFU itself, libc) and the top
 * symbols. It answers "what limits it" with data instead of guesses; skipped when perf is missing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProfileEntry {
  /** Percent of the sampled CPU time. */
  share: number;
  /** Library or binary ("[kernel.kallsyms]" for the kernel). */
  dso: string;
  symbol: string;
}

export interface Profile {
  seconds: number;
  byLibrary: ProfileEntry[];
  topSymbols: ProfileEntry[];
}

export function perfAvailable(): boolean {
  return fs.existsSync('/usr/bin/perf');
}

function parse(report: string, withSymbol: boolean): ProfileEntry[] {
  const entries: ProfileEntry[] = [];
  for (const line of report.split('\n')) {
    const match = withSymbol ? /^\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)$/.exec(line) : /^\s*([\d.]+)%\s+(\S+)\s*$/.exec(line);
    if (match) entries.push({ share: Number(match[1]), dso: match[2]!, symbol: withSymbol ? match[3]!.trim() : '' });
  }
  return entries;
}

/** Samples `pid` (all threads) for `seconds`; undefined when perf is missing or not permitted. */
export async function profileProcess(pid: number, seconds: number): Promise<Profile | undefined> {
  if (!perfAvailable()) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shouwang-perf-'));
  const data = path.join(dir, 'perf.data');
  try {
    await run('perf', ['record', '-F', '499', '-o', data, '-p', String(pid), '--', 'sleep', String(seconds)], { timeout: (seconds + 30) * 1000 });
    const report = async (sort: string) =>
      (await run('perf', ['report', '-i', data, '--stdio', '--no-children', '--sort', sort, '--percent-limit', '1'], { maxBuffer: 16 << 20 })).stdout;
    return {
      seconds,
      byLibrary: parse(await report('dso'), false),
      topSymbols: parse(await report('dso,sym'), true).slice(0, 15),
    };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
