/** Cluster settings: off without REDIS_URL (the single node of old), and refused when incomplete. */
import t from 'tap';
import { loadConfig } from '../../server/config.js';

const SECRET = 's'.repeat(32);

t.test('no REDIS_URL: no cluster', async (t) => {
  t.equal(loadConfig({}).cluster, undefined, 'the default is the single node');
});

t.test('a cluster needs its secret, and sane heartbeat settings', async (t) => {
  t.throws(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }), /CLUSTER_SECRET/, 'REDIS_URL alone is refused');
  t.throws(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', CLUSTER_SECRET: 'short' }), /CLUSTER_SECRET/, 'a short secret is refused');
  t.throws(() => loadConfig({ REDIS_URL: 'http://x', CLUSTER_SECRET: SECRET }), /REDIS_URL/, 'not a redis URL');
  t.throws(
    () => loadConfig({ REDIS_URL: 'redis://r', CLUSTER_SECRET: SECRET, NODE_HEARTBEAT_MS: '5000', NODE_TTL_MS: '4000' }),
    /NODE_TTL_MS/,
    'a TTL shorter than the heartbeat is refused',
  );
  t.throws(() => loadConfig({ REDIS_URL: 'redis://r', CLUSTER_SECRET: SECRET, NODE_ID: 'a b' }), /NODE_ID/, 'a node id with a space is refused');
});

t.test('a complete cluster configuration', async (t) => {
  const config = loadConfig({
    REDIS_URL: 'redis://:pw@redis:6379',
    CLUSTER_SECRET: SECRET,
    NODE_ID: 'node-a',
    NODE_URL: 'wss://a.example/ws',
    ANNOUNCED_IP: '203.0.113.5',
    ROOM_PEERS_PER_NODE: '20',
  });
  t.same(config.cluster, {
    redisUrl: 'redis://:pw@redis:6379',
    secret: SECRET,
    nodeId: 'node-a',
    nodeUrl: 'wss://a.example/ws',
    pipeIp: '203.0.113.5',
    heartbeatMs: 2000,
    ttlMs: 6000,
    roomPeersPerNode: 20,
    cpuLimit: 0,
  });
  const random = loadConfig({ REDIS_URL: 'redis://r', CLUSTER_SECRET: SECRET }).cluster;
  t.match(random?.nodeId, /^node-[0-9a-f]{8}$/, 'without NODE_ID, a random id');
});
