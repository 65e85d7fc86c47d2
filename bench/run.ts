/**
 * `npm run bench` runs every registered benchmark, one after the other, each in its own process under
 * the machine-wide heavy-run lock (so nothing else heavy runs meanwhile and numbers stay valid), then
 * rebuilds bench/RESULTS.md from bench/results/*.json.
 *
 *   npm run bench                      all of them
 *   npm run bench -- forwarding memory  only these
 *   npm run bench -- --report           only rebuild RESULTS.md
 *   npm run bench -- --list             the registered names
 *
 * A benchmark whose file is missing is skipped; one that fails is reported (exit code 1) and its last
 * results stay. Already holding the lock (e.g. `flock /tmp/shouwang-heavy.lock npm run bench`)? Set
 * SHOUWANG_HEAVY_LOCK_HELD=1 - flock on the same file from a second process would wait forever.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport } from './report.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOCK = '/tmp/shouwang-heavy.lock';

/** Every benchmark, by the name its result file carries (bench/results/<name>.json), in report order. */
export const BENCHMARKS: Array<{ name: string; file: string }> = [
  { name: 'forwarding', file: 'bench/forwarding.ts' },
  { name: 'join-latency', file: 'bench/join-latency.ts' },
  { name: 'signaling-scale', file: 'bench/signaling-scale.ts' },
  { name: 'memory', file: 'bench/memory.ts' },
  { name: 'p2p-switch', file: 'bench/p2p-switch.ts' },
  { name: 'chat-latency', file: 'bench/chat-latency.ts' },
  { name: 'worker-recovery', file: 'bench/worker-recovery.ts' },
  { name: 'cluster', file: 'bench/cluster.ts' },
];

/**
 * How to start a benchmark file: a plain script through tap's TypeScript loader, or - for the older
 * ones written as tap tests - through tap itself (it brings the loader and the helpers' teardown).
 */
function commandFor(file: string): string[] {
  const source = fs.readFileSync(path.join(root, file), 'utf8');
  if (/from 'tap'/.test(source)) return ['npx', 'tap', '--timeout=3600', '--allow-incomplete-coverage', '--disable-coverage', file];
  return ['node', '--import=@tapjs/typescript/import', file];
}

function run(command: string[]): Promise<number> {
  const locked = process.env.SHOUWANG_HEAVY_LOCK_HELD === '1' ? command : ['flock', LOCK, ...command];
  return new Promise((resolve) => {
    const child = spawn(locked[0]!, locked.slice(1), { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

const args = process.argv.slice(2);
const names = BENCHMARKS.map((b) => b.name);
if (args.includes('--list')) {
  console.log(names.join('\n'));
  process.exit(0);
}
const reportOnly = args.includes('--report');
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((name) => !names.includes(name));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}; registered: ${names.join(', ')}`);
  process.exit(2);
}

const failed: string[] = [];
if (!reportOnly) {
  for (const benchmark of BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
    if (!fs.existsSync(path.join(root, benchmark.file))) {
      console.log(`bench: ${benchmark.name}: ${benchmark.file} does not exist yet; skipped`);
      continue;
    }
    const command = commandFor(benchmark.file);
    console.log(`bench: ${benchmark.name}: ${command.join(' ')} (waiting for ${LOCK})`);
    const started = Date.now();
    const code = await run(command);
    console.log(`bench: ${benchmark.name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${Math.round((Date.now() - started) / 1000)} s`);
    if (code !== 0) failed.push(benchmark.name);
  }
}
console.log(`bench: wrote ${path.relative(root, writeReport(names))}`);
if (failed.length > 0) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
