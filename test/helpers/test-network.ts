/**
 * A private network that exists only on this machine, for WebRTC tests that cannot use loopback.
 *
 * Why: Firefox never gathers or pairs 127.0.0.1 for WebRTC, so a Firefox page reaches the media server
 * and other browsers only at non-loopback addresses; and Chromium gathers no loopback candidates either,
 * so two Chromium pages that go peer to peer pair over the machine's own addresses. Tests must not send
 * traffic to the machine's real interfaces (eth0), and this kernel has no `dummy` link type. So each
 * test process makes:
 *
 *   host namespace                                 network namespace `swt<pid>` (created here)
 *   swt<pid>h  10.213.a.1/30  <-- veth pair -->    swt<pid>n  10.213.a.2/30, and lo; nothing else
 *   (server: HTTP, WebSocket, media; Firefox)      (Chromium, started with `ip netns exec`)
 *
 * - The server binds HTTP, WebSocket and media to 10.213.a.1 only and announces it.
 * - Firefox stays in this namespace (puppeteer drives it over a local WebSocket) and may use only the
 *   host end of the pair for ICE (`media.peerconnection.ice.force_interface`).
 * - Chromium runs inside the namespace, where the veth end is its only interface besides loopback, so
 *   its only candidate is 10.213.a.2. Playwright drives it over a pipe, which crosses namespaces.
 * Every packet is addressed to 10.213.a.1 or 10.213.a.2: it stays on the veth pair or is delivered
 * locally, and the machine's own addresses are never used. `remove()` (teardown) deletes both.
 *
 * Pages load from http://10.213.a.1, which browsers do not count as secure, so the browsers are told to
 * treat that one origin as secure (camera access needs it): see `secureOriginArgs` / `secureOriginPrefs`.
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for the namespace) and iproute2's `ip`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { CHROMIUM_PATH } from './browser.js';

export interface TestNetwork {
  /** The host end's address: what the server binds to and announces, e.g. 10.213.4.17. */
  hostIp: string;
  /** The namespace end's address: Chromium's only candidate. */
  namespaceIp: string;
  /** The host end's link name (Firefox's ICE interface). */
  hostInterface: string;
  namespace: string;
  /** A program that runs Debian's Chromium inside the namespace (pass as `executablePath`). */
  chromiumInNamespace: string;
  /**
   * A TCP port on `hostIp` kept for a server's HTTP, and its origin (`http://10.213.a.1:port`), known
   * before any server starts: Chromium's secure-origin flag takes exact origins, port included, and a
   * browser may be launched before the servers it will visit (see helpers/network-call.ts).
   */
  webPort: number;
  webOrigin: string;
  /** Idempotent; also registered with `t.teardown`. */
  remove(): void;
}

const PREFIX = 'swt';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether this process can build the network: root and `ip`. */
export function canCreateTestNetwork(): { ok: true } | { ok: false; reason: string } {
  try {
    ip('-V');
  } catch {
    return { ok: false, reason: '`ip` (iproute2) is not installed' };
  }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'creating a network namespace needs root' };
  return { ok: true };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Networks left behind by a test process that was killed before its teardown (named after its pid). */
function removeStale(): void {
  for (const [, name, pid] of ip('-o', 'link', 'show').matchAll(new RegExp(`^\\d+: (${PREFIX}(\\d+)h)[@:]`, 'gm'))) {
    if (name && pid && !isAlive(Number(pid))) tryIp('link', 'del', name);
  }
  for (const [, name, pid] of ip('netns', 'list').matchAll(new RegExp(`^(${PREFIX}(\\d+))\\b`, 'gm'))) {
    if (name && pid && !isAlive(Number(pid))) tryIp('netns', 'del', name);
  }
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

/**
 * A port for `webPort`: below the kernel's ephemeral range (32768 and up by default), so no socket gets
 * it by chance later, and not one anything listens on now (a listener on 0.0.0.0 would block the bind).
 */
function webPortFor(pid: number): number {
  const listening = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = fs.existsSync(table) ? fs.readFileSync(table, 'utf8').split('\n').slice(1) : [];
    for (const row of rows) {
      const [, local, , state] = row.trim().split(/\s+/);
      if (state === '0A' && local) listening.add(Number.parseInt(local.split(':')[1] ?? '', 16)); // 0A: LISTEN
    }
  }
  let port = 20_000 + (pid % 10_000);
  while (listening.has(port)) port = 20_000 + ((port - 20_000 + 1) % 10_000);
  return port;
}

export function createTestNetwork(t: Test): TestNetwork {
  removeStale();
  const pid = process.pid;
  const namespace = `${PREFIX}${pid}`;
  const hostInterface = `${PREFIX}${pid}h`;
  const namespaceInterface = `${PREFIX}${pid}n`;
  // A /30 of 10.213.0.0/16 (private, unused here) per process: .1 host end, .2 namespace end. Picked
  // from the pid, moving on if another test process already holds it.
  const inUse = ip('-o', 'addr', 'show');
  let block = (pid % 16_000) * 4;
  const addressOf = (offset: number) => `10.213.${Math.floor(block / 256)}.${(block % 256) + offset}`;
  while (inUse.includes(` ${addressOf(1)}/`)) block = (block + 4) % 64_000;
  const hostIp = addressOf(1);
  const namespaceIp = addressOf(2);
  const wrapperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shouwang-netns-'));
  const chromiumInNamespace = path.join(wrapperDir, 'chromium');

  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    tryIp('link', 'del', hostInterface); // takes its namespace end with it
    tryIp('netns', 'del', namespace);
    fs.rmSync(wrapperDir, { recursive: true, force: true });
  };
  t.teardown(remove);
  // A crashed test file skips teardown; this still runs on a normal exit or an uncaught error.
  process.once('exit', remove);

  try {
    ip('netns', 'add', namespace);
    ip('link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', namespaceInterface, 'netns', namespace);
    ip('addr', 'add', `${hostIp}/30`, 'dev', hostInterface);
    ip('link', 'set', hostInterface, 'up');
    ip('-n', namespace, 'addr', 'add', `${namespaceIp}/30`, 'dev', namespaceInterface);
    ip('-n', namespace, 'link', 'set', namespaceInterface, 'up');
    ip('-n', namespace, 'link', 'set', 'lo', 'up');
  } catch (error) {
    remove();
    throw error;
  }
  // /usr/bin/chromium is Debian's shell wrapper; the binary behind it skips the wrapper's noise.
  const chromiumBinary = CHROMIUM_PATH === '/usr/bin/chromium' && fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : CHROMIUM_PATH;
  fs.writeFileSync(chromiumInNamespace, `#!/bin/sh\nexec ip netns exec ${namespace} ${chromiumBinary} "$@"\n`, { mode: 0o755 });
  const webPort = webPortFor(pid);
  return { hostIp, namespaceIp, hostInterface, namespace, chromiumInNamespace, webPort, webOrigin: `http://${hostIp}:${webPort}`, remove };
}

/** Chromium flags that make the test origin count as secure (camera, microphone, crypto.randomUUID). */
export function secureOriginArgs(origin: string): string[] {
  return [`--unsafely-treat-insecure-origin-as-secure=${origin}`];
}

/** Firefox prefs that make the test host count as a secure context. */
export function secureOriginPrefs(host: string): Record<string, unknown> {
  return { 'dom.securecontext.allowlist': host };
}
