/**
 * docker-compose.yml, checked by Debian's docker-compose (`config`) and against the rest of the project:
 * it validates with the settings of .env.example; it refuses to start without the required ones; the
 * environment it gives the app is a valid Shouwang configuration; its ports, coturn's settings and the
 * app's agree; and README.md documents every variable an operator can set.
 * (The stack is run for real, image built with podman, by `npm run test:container`.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../../server/config.js';
import { composeConfig, composeVariables, parseYaml, publishedPorts, ROOT, serviceEnv } from '../helpers/compose.js';

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

/** The variables .env.example sets (uncommented lines). */
function exampleEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1]) env[match[1]] = match[2] ?? '';
  }
  return env;
}

const example = exampleEnv();

t.test('the compose file validates with the settings of .env.example', async (t) => {
  if (fs.existsSync(path.join(ROOT, '.env'))) t.comment('note: a local .env exists; this test passes its own environment');
  const result = composeConfig(COMPOSE_FILE, example);
  t.ok(result.ok, `docker-compose config accepts it${result.ok ? '' : `: ${result.output}`}`);
});

t.test('it refuses to start without the required settings, and says which', async (t) => {
  for (const name of ['ANNOUNCED_IP', 'TURN_SECRET']) {
    const { [name]: _dropped, ...rest } = example;
    const result = composeConfig(COMPOSE_FILE, rest);
    t.notOk(result.ok, `refused without ${name}`);
    t.match(result.output, new RegExp(`set ${name} in .env`), `the error names ${name}`);
  }
});

t.test("the app's environment is a valid configuration, and coturn agrees with it", async (t) => {
  const { services } = parseYaml(composeConfig(COMPOSE_FILE, { ...example, API_KEY: 'x'.repeat(24), WORKERS: '3', RTC_PORT_LAST: '40002' }).output);
  const app = services.shouwang;
  const coturn = services.coturn;
  t.ok(app && coturn, 'two services: shouwang and coturn');
  const config = loadConfig(serviceEnv(app));
  t.equal(config.announcedIp, example.ANNOUNCED_IP, 'ANNOUNCED_IP reaches the app');
  t.equal(config.workers, 3, 'WORKERS reaches the app');
  t.equal(config.auth.apiKey, 'x'.repeat(24), 'API_KEY reaches the app');
  t.equal(config.auth.joinTokenSecret, undefined, 'an unset JOIN_TOKEN_SECRET stays unset (not an empty secret)');
  t.same(
    config.p2p.turn?.urls,
    [`turn:${example.ANNOUNCED_IP}:3478?transport=udp`, `turn:${example.ANNOUNCED_IP}:3478?transport=tcp`],
    'browsers are sent to coturn on the published TURN port',
  );

  // coturn runs from a shell script (it learns its own address at start); its flags are in it.
  const script = (coturn?.command ?? []).join('\n').replace(/\$\$/g, '$');
  const coturnEnv = coturn?.environment ?? {};
  t.match(script, /--use-auth-secret/, 'coturn uses time-limited credentials');
  t.match(script, /--static-auth-secret="\$TURN_SECRET"/, 'from the secret in its environment');
  t.equal(coturnEnv.TURN_SECRET, config.p2p.turn?.secret, "which is the app's TURN_SECRET");
  t.equal(coturnEnv.ANNOUNCED_IP, config.announcedIp, 'coturn knows the app\'s public address');
  t.match(script, /--allowed-peer-ip="\$ANNOUNCED_IP"/, 'and may relay to it');
  t.match(script, /--denied-peer-ip=10\.0\.0\.0-10\.255\.255\.255/, 'but not into private networks');
  t.notMatch(script, /--external-ip/, 'no --external-ip (it would map the shared public address onto coturn itself)');
  const shell = spawnSync('sh', ['-n', '-c', script]);
  t.equal(shell.status, 0, `the script is valid shell${shell.status === 0 ? '' : `: ${shell.stderr}`}`);

  const appPorts = publishedPorts(app);
  for (const protocol of ['udp', 'tcp']) {
    const media = [40000, 40001, 40002].map((port) => `${port}:${port}/${protocol}`);
    t.ok(media.every((port) => appPorts.has(port)), `one ${protocol} media port per worker, the same number inside and out`);
  }
  t.notOk(appPorts.has('40003:40003/udp'), 'and no more');
  t.ok(appPorts.has('3000:3000/tcp'), 'HTTP published');
  const coturnPorts = publishedPorts(coturn);
  t.ok(coturnPorts.has('3478:3478/udp') && coturnPorts.has('3478:3478/tcp'), 'TURN on UDP and TCP');
});

t.test('README.md documents every setting of the compose file', async (t) => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const variables = composeVariables(COMPOSE_FILE);
  t.ok(variables.size > 5, `found ${variables.size} variables`);
  for (const name of variables) t.match(readme, new RegExp(`\`${name}\``), `README mentions \`${name}\``);
  for (const name of Object.keys(example)) t.ok(variables.has(name), `.env.example's ${name} is used by the compose file`);
});
