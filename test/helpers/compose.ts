/**
 * A compose file as docker-compose itself reads it (Debian's docker-compose, `config`), for the checks of
 * docker-compose.yml and docker-compose.cluster.yml against the app's configuration and README.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface ComposeService {
  environment?: Record<string, string | null>;
  ports?: Array<string | { target: number; published: string | number; protocol?: string }>;
  command?: string[];
  image?: string;
  networks?: Record<string, { ipv4_address?: string } | null>;
}

/** Runs `docker-compose config` in a directory with no .env (only `env` counts); returns stdout or the error. */
export function composeConfig(file: string, env: Record<string, string>): { ok: boolean; output: string } {
  const result = spawnSync('docker-compose', ['--project-directory', ROOT, '-f', file, 'config'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    encoding: 'utf8',
  });
  if (result.error) throw new Error(`docker-compose could not run (scripts/setup.sh --test installs it): ${result.error.message}`);
  return { ok: result.status === 0, output: result.status === 0 ? result.stdout : result.stderr };
}

/** YAML to JSON with the YAML library docker-compose itself uses. */
export function parseYaml(yaml: string): { services: Record<string, ComposeService> } {
  const json = execFileSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: yaml });
  return JSON.parse(json.toString()) as { services: Record<string, ComposeService> };
}

/** The service's environment as the app reads it (a variable set to nothing is an empty string). */
export function serviceEnv(service: ComposeService | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(service?.environment ?? {}).map(([key, value]) => [key, value ?? '']));
}

/** Published ports as `host:container/protocol` (docker-compose expands a range into one entry per port). */
export function publishedPorts(service: ComposeService | undefined): Set<string> {
  return new Set((service?.ports ?? []).map((port) => (typeof port === 'string' ? port : `${port.published}:${port.target}/${port.protocol ?? 'tcp'}`)));
}

/** The `${VARIABLE}`s the compose file reads from the operator's .env. */
export function composeVariables(file: string): Set<string> {
  const compose = fs.readFileSync(file, 'utf8');
  return new Set([...compose.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1] as string));
}
