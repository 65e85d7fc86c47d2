/**
 * Where a Chromium page's WebRTC packets really go: the selected ICE candidate pair of every
 * RTCPeerConnection the page made (the SFU's send and receive transports, a P2P call, a test's own).
 *
 * Why: a test on the test network (helpers/test-network.ts) must prove that media used only the
 * network's addresses, not the machine's. The app exposes the P2P connection's pair (`p2pInfo()`), but
 * not those of mediasoup-client's transports, so the page's RTCPeerConnection constructor is wrapped
 * (test only, before any app script runs) to keep each connection it makes.
 *
 * For a relayed pair the packets go to the TURN server, not to the candidates' addresses (coturn's
 * relayed addresses): that server is the local candidate's `url` (`turn:host:port?transport=udp`).
 */
import os from 'node:os';
import type { Page } from 'playwright-core';
import type { Test } from 'tap';

export interface PairCandidate {
  candidateType: string;
  address: string;
  port: number;
  /** Local relay or srflx candidates: the TURN/STUN server it was gathered from. */
  url?: string;
}

export interface SelectedPair {
  local: PairCandidate;
  remote: PairCandidate;
}

type RecordingGlobal = { __testPeerConnections?: RTCPeerConnection[] };

/** Makes every later document of the page's context keep the RTCPeerConnections it creates. */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.context().addInitScript(() => {
    const Native = globalThis.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    (globalThis as RecordingGlobal).__testPeerConnections = made;
    globalThis.RTCPeerConnection = class extends Native {
      constructor(configuration?: RTCConfiguration) {
        super(configuration);
        made.push(this);
      }
    };
  });
}

/** The selected pair of every connection of the page that is still open and has one. */
export function selectedPairsOf(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(async () => {
    const pairs: SelectedPair[] = [];
    for (const connection of (globalThis as RecordingGlobal).__testPeerConnections ?? []) {
      if (connection.connectionState === 'closed') continue;
      const entries = new Map<string, Record<string, unknown>>();
      (await connection.getStats()).forEach((entry: Record<string, unknown>) => entries.set(String(entry.id), entry));
      const candidate = (id: unknown): PairCandidate => {
        const entry = entries.get(String(id)) ?? {};
        return {
          candidateType: String(entry.candidateType),
          address: String(entry.address ?? entry.ip),
          port: Number(entry.port),
          ...(typeof entry.url === 'string' ? { url: entry.url } : {}),
        };
      };
      for (const entry of entries.values()) {
        if (entry.type !== 'transport' || typeof entry.selectedCandidatePairId !== 'string') continue;
        const pair = entries.get(entry.selectedCandidatePairId);
        if (pair) pairs.push({ local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) });
      }
    }
    return pairs;
  });
}

/** The host of a `turn:` / `stun:` URL (`turn:10.213.0.1:3478?transport=udp` -> 10.213.0.1). */
export function serverOfUrl(url: string | undefined): string | undefined {
  return url?.match(/^(?:turns?|stuns?):\[?([^\]?]+?)\]?(?::\d+)?(?:\?.*)?$/)?.[1];
}

/** Every address of this machine's interfaces (in the test process's namespace) except `except`. */
export function machineAddresses(except: string[]): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .map((address) => address.address)
    .filter((address) => !except.includes(address));
}

/**
 * Asserts where a pair's packets go: a host pair from `localIp` straight to `serverIp`, or a relay
 * pair through the TURN server at `serverIp` to a relayed address in `relayedIps`; and that no address
 * involved is one of the machine's own (eth0 and the like).
 */
export function expectPairToServer(
  t: Test,
  who: string,
  pair: SelectedPair,
  expected: { localIp: string; serverIp: string; relayedIps: string[] },
): void {
  const turnServer = serverOfUrl(pair.local.url);
  const at = pair.local.candidateType === 'relay' ? ` (allocated at ${pair.local.url})` : '';
  const described = `${pair.local.candidateType} ${pair.local.address}:${pair.local.port}${at} <-> ${pair.remote.candidateType} ${pair.remote.address}:${pair.remote.port}`;
  const ok =
    pair.local.candidateType === 'relay'
      ? turnServer === expected.serverIp && expected.relayedIps.includes(pair.remote.address)
      : pair.local.address === expected.localIp && pair.remote.address === expected.serverIp;
  const theMachines = machineAddresses([expected.serverIp]);
  const touched = [pair.local.address, pair.remote.address, turnServer].filter((a): a is string => a !== undefined);
  t.ok(
    ok && !touched.some((address) => theMachines.includes(address)),
    `${who}: ${described}: packets go to the test network's ${expected.serverIp}, none to the machine's addresses`,
  );
}
