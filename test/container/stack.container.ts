/**
 * The Docker deployment, for real, with podman (there is no Docker engine here; shared notes:
 * containers.md). `npm run test:container`:
 *   1. makes the base images the Dockerfile and the compose file name (scripts/container-base-images.sh,
 *      cached) and builds the project's real Dockerfile, unchanged;
 *   2. `podman-compose up` the real docker-compose.yml (app and coturn), configured only through the
 *      variables README.md documents;
 *   3. waits for /healthz;
 *   4. three headless Chromium pages join one room through the containerised app and decode each
 *      other's video (WebRTC stats);
 *   5. TURN: a page takes the credentials the app hands out in its join answer and makes a relay-only
 *      (`iceTransportPolicy: 'relay'`) call between two RTCPeerConnections through coturn; wrong
 *      credentials get no relay; and a two-person room, with P2P forced through TURN
 *      (P2P_ICE_TRANSPORT_POLICY=relay), holds its call over coturn's relay;
 *   6. stops the app (it must exit 0 after its graceful shutdown) and tears everything down.
 * Network: tests may only send traffic to loopback or to namespaces they create, so the stack is told
 * that its public address (ANNOUNCED_IP: SFU media and TURN) is the host end of the test network's veth
 * pair (helpers/test-network.ts, 10.213.a.1), which podman's published ports answer on like any host
 * address, and Chromium runs inside the network's namespace, where its only address is 10.213.a.2:
 *   Chromium 10.213.a.2 --veth--> 10.213.a.1:HTTP_PORT / RTC_PORT.. / TURN_PORT --podman DNAT--> containers
 * Every packet a page sends is addressed to 10.213.a.1 (the test asserts so on every selected candidate
 * pair). coturn relays only between its own relayed addresses (relay to relay, inside the container) and
 * to ANNOUNCED_IP, which the compose file allows although it is private (10.0.0.0/8 is denied).
 * It prints the numbers the hosting issue asks for: image size, build time, time from `up` to healthy.
 */
import crypto from 'node:crypto';
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { everyPair, expectMediaFlowing, joinRoom, type Participant } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { freePorts, PODMAN_ENV, ROOT, run } from '../helpers/containers.js';
import { modeOf, p2pInfoOf } from '../helpers/media-path.js';
import { testNetworkOrSkipFile } from '../helpers/network-call.js';
import { expectPairToServer, recordPeerConnections, selectedPairsOf, serverOfUrl, type PairCandidate } from '../helpers/selected-pairs.js';
import { waitFor } from '../helpers/wait.js';

const IMAGE = 'localhost/shouwang:latest';
const PROJECT = `shouwang-ctest-${process.pid}`;
const TIMEOUT = 90_000;

// First, before anything starts (it ends the file, reported skipped, where it cannot be made: not root).
const network = testNetworkOrSkipFile(t);
t.comment(`test network: host end ${network.hostIp} (${network.hostInterface}), Chromium in ${network.namespace} at ${network.namespaceIp}`);

// ---- 1. base images and the image --------------------------------------------------------------
const base = await run('bash', ['scripts/container-base-images.sh'], { timeoutMs: 15 * 60_000 });
t.comment(base.stdout.trim().split('\n').at(-1) ?? '');
// SHOUWANG_CONTAINER_REUSE_IMAGE=1: test the image already built (while working on the test itself).
const reuse = process.env.SHOUWANG_CONTAINER_REUSE_IMAGE === '1';
const build = reuse
  ? { stdout: '', ms: 0 }
  : await run('podman', ['build', '--network=host', '--pull=never', '-t', IMAGE, '.'], { timeoutMs: 120 * 60_000 });
const cached = (build.stdout.match(/--> Using cache/g) ?? []).length;
const size = Number((await run('podman', ['image', 'inspect', '--format', '{{.Size}}', IMAGE])).stdout.trim());
t.comment(`image ${IMAGE}: ${(size / 1e6).toFixed(0)} MB, built in ${(build.ms / 1000).toFixed(1)} s (${cached} cached steps)`);

// ---- 2. the stack ------------------------------------------------------------------------------
// What browsers and coturn are told this host's address is: the test network's host end.
const announcedIp = network.hostIp;
const taken = new Set<number>();
const httpPort = await freePorts(1, 23_000, taken);
const rtcPort = await freePorts(2, 41_000, taken);
const turnPort = await freePorts(1, 23_478, taken);
const turnSecret = crypto.randomBytes(24).toString('hex');
const apiKey = crypto.randomBytes(24).toString('hex');
// Only the variables README.md documents for operators (test/deploy/compose.test.ts checks that list).
const stackEnv: NodeJS.ProcessEnv = {
  ...PODMAN_ENV,
  ANNOUNCED_IP: announcedIp,
  TURN_SECRET: turnSecret,
  HTTP_PORT: String(httpPort),
  WORKERS: '2',
  RTC_PORT: String(rtcPort),
  RTC_PORT_LAST: String(rtcPort + 1),
  TURN_PORT: String(turnPort),
  API_KEY: apiKey,
  P2P_ICE_TRANSPORT_POLICY: 'relay',
  LOG_LEVEL: 'info',
};
const compose = (args: string[], options: { allowFailure?: boolean; timeoutMs?: number } = {}) =>
  run('podman-compose', ['-p', PROJECT, '-f', 'docker-compose.yml', ...args], { env: stackEnv, ...options });
const containerOf = (service: string) => `${PROJECT}_${service}_1`;

let tornDown = false;
async function tearDown(): Promise<void> {
  if (tornDown) return;
  tornDown = true;
  await compose(['down'], { allowFailure: true, timeoutMs: 120_000 });
  // A container caught in a restart loop can outlive `down`: remove whatever carries the project's label.
  const left = await run('podman', ['ps', '-aq', '--filter', `label=io.podman.compose.project=${PROJECT}`], { allowFailure: true });
  const ids = left.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await run('podman', ['rm', '-f', ...ids], { allowFailure: true });
  await run('podman', ['network', 'rm', '-f', `${PROJECT}_default`], { allowFailure: true });
}
t.teardown(tearDown);

const upStarted = Date.now();
await compose(['up', '-d'], { timeoutMs: 180_000 });
// The pages' origin (and the test's own requests): the published HTTP port on the test network's host end.
const baseUrl = `http://${network.hostIp}:${httpPort}`;
const logsOnFailure = async () => {
  for (const service of ['shouwang', 'coturn']) {
    const logs = await run('podman', ['logs', '--tail', '40', containerOf(service)], { allowFailure: true });
    t.comment(`--- ${service} logs ---\n${logs.stdout}${logs.stderr}`);
  }
};

// ---- 3. healthy --------------------------------------------------------------------------------
const healthy = await waitFor(
  async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    const body = (await response.json()) as { status: string; workers: { alive: number } };
    return response.status === 200 ? body : undefined;
  },
  { timeout: 120_000, interval: 200, message: `the app's /healthz on port ${httpPort} to answer 200` },
).catch(async (error: unknown) => {
  await logsOnFailure();
  throw error;
});
const upToHealthyMs = Date.now() - upStarted;
t.comment(`up -> healthy: ${(upToHealthyMs / 1000).toFixed(1)} s`);

// coturn's relayed addresses are its container's (the compose network's): the only other end a relayed
// pair may have.
const coturnIps = (await run('podman', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', containerOf('coturn')])).stdout
  .trim()
  .split(/\s+/)
  .filter(Boolean);
t.comment(`coturn's container (its relayed addresses): ${coturnIps.join(', ')}`);
const pairExpected = { localIp: network.namespaceIp, serverIp: network.hostIp, relayedIps: coturnIps };

// Launched before the first subtest: tap takes no top-level await between subtests. Inside the test
// network's namespace, with the pages' exact origin (port included) treated as secure (camera access).
const browser = await launchBrowser(t, { fakeMedia: 'file', network: { chromiumInNamespace: network.chromiumInNamespace, webOrigin: baseUrl } });

t.test('the containers run as built', async (t) => {
  t.equal(healthy.workers.alive, 2, 'both workers alive');
  const uid = await run('podman', ['exec', containerOf('shouwang'), 'id', '-u']);
  t.not(uid.stdout.trim(), '0', `the app runs as a non-root user (uid ${uid.stdout.trim()})`);
  const rooms = await fetch(`${baseUrl}/api/rooms`, { headers: { authorization: `Bearer ${apiKey}` } });
  t.equal(rooms.status, 200, 'the API answers with the API_KEY given through compose');
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  t.match(metrics, /shouwang_workers_alive 2/, '/metrics is served');
});

// ---- 4. a group call through the containerised SFU ----------------------------------------------

async function person(room: string, name: string): Promise<Participant & { raw: Page }> {
  const raw = await browser.newPage(name);
  raw.setDefaultTimeout(TIMEOUT);
  await recordPeerConnections(raw);
  return { ...(await joinRoom(chromiumCallPage(name, raw), baseUrl, room, name, { timeout: TIMEOUT })), raw };
}

t.test('three people in one room decode each other through the container', async (t) => {
  const people = [await person('container-call', 'Ann'), await person('container-call', 'Ben'), await person('container-call', 'Cid')];
  const counters = await expectMediaFlowing(everyPair(people), 'three pages through the containerised SFU', { timeout: TIMEOUT });
  for (const [key, value] of Object.entries(counters)) if (key.includes('framesDecoded')) t.ok(value > 0, `${key}: ${value}`);
  for (const p of people) {
    const pairs = await selectedPairsOf(p.raw);
    t.ok(pairs.length >= 2, `${p.name}: its send and receive transports have selected pairs (${pairs.length})`);
    for (const pair of pairs) expectPairToServer(t, `${p.name} (SFU)`, pair, pairExpected);
  }
  await Promise.all(people.map((p) => p.raw.context().close()));
});

// ---- 5. TURN with the app's credentials ----------------------------------------------------------
interface RelayResult {
  relayCandidates: number;
  connected: boolean;
  framesDecoded: number;
  local?: PairCandidate;
  remote?: PairCandidate;
  error?: string;
}

/**
 * In a page: join over the app's own WebSocket to get its iceServers (optionally spoiling the password),
 * then send a camera between two relay-only RTCPeerConnections.
 */
async function relayCall(page: Page, spoil: boolean): Promise<RelayResult> {
  return page.evaluate(
    async ({ spoil }) => {
      const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws`);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const joined = await new Promise<{ iceServers: RTCIceServer[] }>((resolve, reject) => {
        ws.onmessage = (event) => {
          const message = JSON.parse(String(event.data)) as { kind: string; id?: number; ok?: boolean; data?: unknown; error?: unknown };
          if (message.kind === 'response' && message.id === 1) {
            if (message.ok) resolve(message.data as { iceServers: RTCIceServer[] });
            else reject(new Error(JSON.stringify(message.error)));
          }
        };
        ws.send(JSON.stringify({ kind: 'request', id: 1, method: 'join', data: { roomId: 'turn-check', displayName: 'TURN check' } }));
      });
      ws.close();
      const iceServers = joined.iceServers.map((server) => (spoil ? { ...server, credential: 'wrong' } : server));
      const config: RTCConfiguration = { iceServers, iceTransportPolicy: 'relay' };
      const sender = new RTCPeerConnection(config);
      const receiver = new RTCPeerConnection(config);
      let relayCandidates = 0;
      sender.onicecandidate = (event) => {
        if (event.candidate?.type === 'relay') relayCandidates++;
        if (event.candidate) void receiver.addIceCandidate(event.candidate);
      };
      receiver.onicecandidate = (event) => {
        if (event.candidate) void sender.addIceCandidate(event.candidate);
      };
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      for (const track of stream.getTracks()) sender.addTrack(track, stream);
      await sender.setLocalDescription(await sender.createOffer());
      await receiver.setRemoteDescription(sender.localDescription as RTCSessionDescriptionInit);
      await receiver.setLocalDescription(await receiver.createAnswer());
      await sender.setRemoteDescription(receiver.localDescription as RTCSessionDescriptionInit);
      const deadline = Date.now() + (spoil ? 8000 : 30_000);
      const result: {
        relayCandidates: number;
        connected: boolean;
        framesDecoded: number;
        local?: { candidateType: string; address: string; port: number; url?: string };
        remote?: { candidateType: string; address: string; port: number };
      } = { relayCandidates: 0, connected: false, framesDecoded: 0 };
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        result.relayCandidates = relayCandidates;
        result.connected = receiver.connectionState === 'connected';
        const report = await receiver.getStats();
        const byId = new Map<string, Record<string, unknown>>();
        report.forEach((stat: Record<string, unknown>) => byId.set(String(stat.id), stat));
        for (const stat of byId.values()) {
          if (stat.type === 'inbound-rtp' && stat.kind === 'video') result.framesDecoded = Number(stat.framesDecoded ?? 0);
          if (stat.type === 'candidate-pair' && stat.nominated && stat.state === 'succeeded') {
            const local = byId.get(String(stat.localCandidateId));
            const remote = byId.get(String(stat.remoteCandidateId));
            result.local = { candidateType: String(local?.candidateType), address: String(local?.address), port: Number(local?.port) };
            if (typeof local?.url === 'string') result.local.url = local.url;
            result.remote = { candidateType: String(remote?.candidateType), address: String(remote?.address), port: Number(remote?.port) };
          }
        }
        if (result.connected && result.framesDecoded > 10) break;
      }
      for (const track of stream.getTracks()) track.stop();
      sender.close();
      receiver.close();
      return result;
    },
    { spoil },
  );
}

t.test("a relay-only call through coturn with the app's credentials", async (t) => {
  const page = await browser.newPage('relay');
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${baseUrl}/`);
  const good = await relayCall(page, false);
  t.comment(`relay call: ${JSON.stringify(good)}`);
  t.ok(good.relayCandidates > 0, `coturn allocated relay candidates (${good.relayCandidates})`);
  t.ok(good.connected, 'the relay-only connection connected');
  t.ok(good.framesDecoded > 10, `and carried video (${good.framesDecoded} frames decoded)`);
  t.equal(good.local?.candidateType, 'relay', 'over a relay candidate');
  if (good.local && good.remote) expectPairToServer(t, 'relay-only call', { local: good.local, remote: good.remote }, pairExpected);
  else t.fail('the relay-only call has no selected pair');
  t.equal(serverOfUrl(good.local?.url), network.hostIp, `allocated at the announced TURN server (${good.local?.url})`);
  const bad = await relayCall(page, true);
  t.equal(bad.relayCandidates, 0, 'a wrong password gets no relay: coturn really checks the credentials');
  await page.context().close();
});

t.test('a two-person call goes peer to peer through the relay (P2P_ICE_TRANSPORT_POLICY=relay)', async (t) => {
  const pair = [await person('container-p2p', 'Dee'), await person('container-p2p', 'Eve')];
  await waitFor(async () => (await Promise.all(pair.map((p) => modeOf(p.raw)))).every((mode) => mode === 'p2p'), {
    timeout: TIMEOUT,
    message: 'both pages to switch to P2P',
  });
  await expectMediaFlowing(everyPair(pair), 'the P2P pair over TURN', { timeout: TIMEOUT, path: 'p2p' });
  for (const p of pair) {
    const info = await p2pInfoOf(p.raw);
    t.equal(info?.selectedPair?.local.candidateType, 'relay', `${p.name}: its side of the pair is a TURN relay`);
    const pairs = await selectedPairsOf(p.raw);
    const relayed = pairs.filter((pair) => pair.local.candidateType === 'relay');
    t.ok(relayed.length > 0, `${p.name}: the P2P connection's relayed pair is among the page's connections`);
    for (const pair of pairs) expectPairToServer(t, `${p.name} (${pair.local.candidateType === 'relay' ? 'P2P' : 'SFU'})`, pair, pairExpected);
  }
  await Promise.all(pair.map((p) => p.raw.context().close()));
});

// ---- 6. graceful stop and teardown ---------------------------------------------------------------
t.test('the app stops cleanly and everything is torn down', async (t) => {
  await browser.close();
  const stop = await run('podman', ['stop', '-t', '15', containerOf('shouwang')], { timeoutMs: 60_000 });
  const exit = await run('podman', ['inspect', '--format', '{{.State.ExitCode}}', containerOf('shouwang')]);
  // 0, not 1: main.ts exits 1 when its 10 s shutdown limit cuts a hanging shutdown short.
  t.equal(exit.stdout.trim(), '0', 'the app exited 0 after its graceful shutdown on SIGTERM');
  t.comment(`podman stop took ${stop.ms} ms`);
  await tearDown();
  const left = await run('podman', ['ps', '-a', '--filter', `label=io.podman.compose.project=${PROJECT}`, '--format', '{{.Names}}']);
  t.equal(left.stdout.trim(), '', 'no container left');
  t.comment(
    `SUMMARY image=${(size / 1e6).toFixed(0)}MB build=${(build.ms / 1000).toFixed(1)}s cachedSteps=${cached} upToHealthy=${(upToHealthyMs / 1000).toFixed(1)}s`,
  );
});
