/**
 * docker-compose.cluster.yml, checked like docker-compose.yml (compose.test.ts) with Debian's
 * docker-compose `config`: it validates; it refuses to start without its required settings; every app
 * node's environment is a valid cluster configuration; the nodes share Redis (with its password) and
 * the cluster secret but differ in id, URL, media ports and pipe address; coturn agrees with the app;
 * and README.md documents every variable.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../../server/config.js';
import { composeConfig, composeVariables, parseYaml, publishedPorts, ROOT, serviceEnv } from '../helpers/compose.js';

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.cluster.yml');
const REQUIRED = {
  ANNOUNCED_IP: '203.0.113.10',
  TURN_SECRET: 'change-me-to-a-long-random-string',
  CLUSTER_SECRET: 'a'.repeat(40),
  REDIS_PASSWORD: 'redis-password-for-tests',
};

t.test('the cluster compose file validates', async (t) => {
  const result = composeConfig(COMPOSE_FILE, REQUIRED);
  t.ok(result.ok, `docker-compose config accepts it${result.ok ? '' : `: ${result.output}`}`);
});

t.test('it refuses to start without the required settings, and says which', async (t) => {
  for (const name of Object.keys(REQUIRED)) {
    const { [name as keyof typeof REQUIRED]: _dropped, ...rest } = REQUIRED;
    const result = composeConfig(COMPOSE_FILE, rest);
    t.notOk(result.ok, `refused without ${name}`);
    t.match(result.output, new RegExp(`set ${name} in .env`), `the error names ${name}`);
  }
});

t.test('two app nodes form one cluster through Redis, next to coturn', async (t) => {
  const { services } = parseYaml(composeConfig(COMPOSE_FILE, REQUIRED).output);
  const names = Object.keys(services).sort();
  t.same(names, ['coturn', 'redis', 'shouwang-1', 'shouwang-2'], 'redis, two app nodes and coturn');
  const redisCommand = (services.redis?.command ?? []).join(' ');
  t.match(redisCommand, new RegExp(`--requirepass ${REQUIRED.REDIS_PASSWORD}`), 'Redis requires a password');

  const configs = ['shouwang-1', 'shouwang-2'].map((name) => ({ name, service: services[name]!, config: loadConfig(serviceEnv(services[name])) }));
  for (const { name, service, config } of configs) {
    const cluster = config.cluster;
    t.ok(cluster, `${name} runs as a cluster node`);
    if (!cluster) continue;
    t.equal(cluster.redisUrl, `redis://:${REQUIRED.REDIS_PASSWORD}@redis:6379`, `${name} uses the compose Redis with its password`);
    t.equal(cluster.secret, REQUIRED.CLUSTER_SECRET, `${name} signs with the shared secret`);
    t.equal(cluster.nodeId, name, `${name} is named after its service`);
    const ports = publishedPorts(service);
    const httpPort = /:(\d+)\/ws$/.exec(cluster.nodeUrl ?? '')?.[1];
    t.ok(httpPort && ports.has(`${httpPort}:3000/tcp`), `${name}'s NODE_URL (${cluster.nodeUrl}) is its published HTTP port`);
    t.ok(cluster.nodeUrl?.startsWith(`ws://${REQUIRED.ANNOUNCED_IP}:`), `${name}'s NODE_URL is on the public address`);
    for (const protocol of ['udp', 'tcp']) t.ok(ports.has(`${config.rtcPort}:${config.rtcPort}/${protocol}`), `${name}'s media port published (${protocol})`);
    t.equal(config.workers, 1, `${name} runs one worker`);
    t.equal(service.networks?.cluster?.ipv4_address, cluster.pipeIp, `${name}'s pipe address is its fixed address on the cluster network`);
    t.equal(config.p2p.turn?.secret, services.coturn?.environment?.TURN_SECRET, `${name} and coturn share TURN_SECRET`);
  }
  const [one, two] = configs.map(({ config }) => config);
  t.not(one?.rtcPort, two?.rtcPort, 'the nodes use different media ports');
  t.not(one?.cluster?.nodeUrl, two?.cluster?.nodeUrl, 'and different URLs');
  t.not(one?.cluster?.pipeIp, two?.cluster?.pipeIp, 'and different pipe addresses');
});

t.test('README.md documents every setting of the cluster compose file', async (t) => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const variables = composeVariables(COMPOSE_FILE);
  for (const name of variables) t.match(readme, new RegExp(`\`${name}\``), `README mentions \`${name}\``);
});
