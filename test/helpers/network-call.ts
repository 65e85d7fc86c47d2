/**
 * Chromium calls that may go peer to peer, kept on the test network (helpers/test-network.ts).
 *
 * Why: tests may send traffic only to loopback or to network namespaces they create. Chromium never
 * gathers loopback candidates, so two Chromium pages of a P2P call on 127.0.0.1 pair over the machine's
 * own interface addresses (eth0). Inside the test network's namespace Chromium's only interface besides
 * loopback is the veth end, so its only candidate is 10.213.a.2: two pages pair 10.213.a.2 <-> 10.213.a.2
 * (delivered inside the namespace), and a page and the server meet at 10.213.a.1. The server binds HTTP,
 * WebSocket and media to the host end 10.213.a.1 only, and announces it.
 *
 *   const network = testNetworkOrSkipFile(t);              // first, before anything is started
 *   const server = await startServer({ ...onTestNetwork(network), p2p: { enabled: true, ... } });
 *   const browser = await launchBrowser(t, { fakeMedia: 'file', network });
 *   ...
 *   expectPairOnTestNetwork(t, 'Alice', (await p2pInfoOf(alice.page))?.selectedPair, network);
 *
 * The server's HTTP port is the network's `webPort`, known before the server starts, because Chromium
 * is told at launch which origin to treat as secure (camera access needs it). So one such server runs
 * at a time per test network; a test that needs two at once passes its own ports and origins (as
 * firefox-mixed-call does).
 */
import type { Test } from 'tap';
import type { Config } from '../../server/config.js';
import { setServerDefaults } from './server.js';
import { canCreateTestNetwork, createTestNetwork, type TestNetwork } from './test-network.js';

/**
 * The test network for a whole test file, or, where it cannot be made (not root, no `ip`), the file is
 * reported skipped with the reason and the process ends here: a test file's top-level code cannot
 * return early. Call it before starting anything (nothing else is cleaned up on that path).
 */
export function testNetworkOrSkipFile(t: Test): TestNetwork {
  const possible = canCreateTestNetwork();
  if (!possible.ok) {
    t.plan(0, `cannot create the test network (needed to keep P2P traffic off the machine's addresses): ${possible.reason}`);
    process.exit(0);
  }
  return createTestNetwork(t);
}

/** Server overrides: HTTP, WebSocket and media on the network's host end only, announced there. */
export function onTestNetwork(network: TestNetwork): Pick<Config, 'host' | 'port' | 'rtcListenIp' | 'announcedIp'> {
  return { host: network.hostIp, port: network.webPort, rtcListenIp: network.hostIp, announcedIp: network.hostIp };
}

/**
 * For benchmarks whose helpers start servers themselves: every later `startServer()` in this process
 * listens on the test network (onTestNetwork) unless told otherwise.
 */
export function serveEveryServerOn(network: TestNetwork): void {
  setServerDefaults(onTestNetwork(network));
}

/** For a benchmark script: the test network, or an error that says why it cannot be made. */
export function requireTestNetwork(t: Test, what: string): TestNetwork {
  const possible = canCreateTestNetwork();
  if (!possible.ok) throw new Error(`${what} runs Chromium pages peer to peer, which needs the test network: ${possible.reason}`);
  return createTestNetwork(t);
}

interface CandidatePair {
  local: { address: string };
  remote: { address: string };
}

/**
 * Asserts that a P2P connection's selected candidate pair uses only test network addresses (the
 * namespace end, or the server's host end), never the machine's own: the rule this file exists for.
 */
export function expectPairOnTestNetwork(t: Test, who: string, pair: CandidatePair | null | undefined, network: TestNetwork): void {
  const allowed = [network.namespaceIp, network.hostIp];
  const addresses = pair ? [pair.local.address, pair.remote.address] : [];
  t.ok(
    pair && addresses.every((address) => allowed.includes(address)),
    `${who}: P2P pairs ${addresses.join(' <-> ') || '(no selected pair)'}, on the test network (${allowed.join(', ')}), not the machine's addresses`,
  );
}
