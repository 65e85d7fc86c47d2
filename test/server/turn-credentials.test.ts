/**
 * TURN credentials for coturn's `use-auth-secret`: the join answer carries, for each peer, a username
 * `<expiry>:<peer id>` and the password coturn will compute from the shared secret (checked here with
 * openssl, an implementation independent of ours). Configuration refuses half a TURN setup.
 */
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { loadConfig } from '../../server/config.js';
import { turnCredentials } from '../../server/media/turn-credentials.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { startServer } from '../helpers/server.js';

const TURN = { secret: 'coturn-static-auth-secret', urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'], ttlSeconds: 3600 };

/** HMAC-SHA1 in base64, by the openssl command line tool. */
function opensslHmac(secret: string, message: string): string {
  const digest = execFileSync('openssl', ['dgst', '-sha1', '-hmac', secret, '-binary'], { input: message });
  return digest.toString('base64');
}

t.test('credentials are what coturn computes from the shared secret', async (t) => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  const { username, credential } = turnCredentials(TURN.secret, 'peer-1', 600, now);
  t.equal(username, `${now / 1000 + 600}:peer-1`, 'username is expiry:peer id');
  t.equal(credential, opensslHmac(TURN.secret, username), 'password is base64(HMAC-SHA1(secret, username))');
});

t.test('each peer gets its own credentials in the join answer', async (t) => {
  const server = await startServer({ p2p: { ...loadConfig().p2p, turn: TURN } });
  t.teardown(() => server.close());
  const before = Math.floor(Date.now() / 1000);
  const alice = await FakePeer.join(server.wsUrl, 'r', 'Alice', { media: false, resume: false });
  const bob = await FakePeer.join(server.wsUrl, 'r', 'Bob', { media: false, resume: false });
  t.teardown(() => [alice, bob].forEach((peer) => peer.close()));
  for (const peer of [alice, bob]) {
    const turn = peer.joined.iceServers.find((server) => server.urls.some((url) => url.startsWith('turn')));
    t.same(turn?.urls, TURN.urls, 'the configured URLs');
    const [expiry, peerId] = (turn?.username ?? '').split(':');
    t.equal(peerId, peer.peerId, 'the username names the peer');
    t.ok(Number(expiry) >= before + TURN.ttlSeconds && Number(expiry) <= before + TURN.ttlSeconds + 60, 'expires after the TTL');
    t.equal(turn?.credential, opensslHmac(TURN.secret, turn?.username ?? ''), 'a password coturn accepts');
  }
  const plain = await startServer();
  t.teardown(() => plain.close());
  const carol = await FakePeer.join(plain.wsUrl, 'r', 'Carol', { media: false, resume: false });
  t.teardown(() => carol.close());
  t.same(carol.joined.iceServers, [], 'no TURN configured: no ICE servers');
});

t.test('configuration refuses half a TURN setup', async (t) => {
  t.throws(() => loadConfig({ TURN_SECRET: 'a-secret-long-enough' }), /TURN_SECRET and TURN_URLS together/);
  t.throws(() => loadConfig({ TURN_URLS: 'turn:x:3478' }), /TURN_SECRET and TURN_URLS together/);
  t.throws(() => loadConfig({ TURN_SECRET: 'a-secret-long-enough', TURN_URLS: 'http://x' }), /turn: or turns: URL/);
  const config = loadConfig({ TURN_SECRET: 'a-secret-long-enough', TURN_URLS: 'turn:a:3478, turns:a:5349' });
  t.same(config.p2p.turn, { secret: 'a-secret-long-enough', urls: ['turn:a:3478', 'turns:a:5349'], ttlSeconds: 86_400 }, 'parsed');
  t.throws(() => loadConfig({ JOIN_TOKEN_SECRET: 'short' }), /at least 32 characters/);
  t.throws(() => loadConfig({ ALLOW_OPEN_JOIN: 'false' }), /would let nobody in/);
  t.equal(loadConfig({ JOIN_TOKEN_SECRET: 'x'.repeat(32) }).auth.allowOpenJoin, false, 'a secret closes open joins by default');
  t.equal(loadConfig({}).auth.allowOpenJoin, true, 'without a secret, rooms are open');
  t.throws(() => loadConfig({ TLS_CERT_FILE: '/x.pem' }), /TLS_CERT_FILE and TLS_KEY_FILE together/);
  t.throws(() => loadConfig({ API_KEY: 'short' }), /at least 24 characters/);
});
