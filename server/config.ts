/**
 * All configuration, read from the environment once, with typed defaults that run on a laptop with
 * nothing else installed. Each field documents its variable; README.md carries the same table.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

// This module runs from server/ under the test runner and from dist/server/ once built.
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');

const port = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  /** HTTP + WebSocket port. */
  PORT: port.default(3000),
  /** HTTP bind address. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** First worker's WebRtcServer port (UDP and TCP); worker i listens on RTC_PORT + i. 0 = any free port. */
  RTC_PORT: port.default(40000),
  /** The address put in ICE candidates. Unset: the first non-internal IPv4, else 127.0.0.1. */
  ANNOUNCED_IP: z.ipv4().or(z.ipv6()).optional(),
  /** Address the media sockets bind to. */
  RTC_LISTEN_IP: z.string().min(1).default('0.0.0.0'),
  /** mediasoup workers (one per core is right: each is single-threaded). */
  WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the built client is served from. */
  CLIENT_DIR: z.string().min(1).optional(),
  /** People allowed in one room at once. */
  MAX_PEERS_PER_ROOM: z.coerce.number().int().min(2).max(1000).default(100),
});

export interface Config {
  port: number;
  host: string;
  rtcPort: number;
  rtcListenIp: string;
  announcedIp: string;
  workers: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  clientDir: string;
  maxPeersPerRoom: number;
}

/** The first non-internal IPv4 address: what a browser on this machine or the LAN can reach. */
export function detectAnnouncedIp(interfaces = os.networkInterfaces()): string {
  for (const addresses of Object.values(interfaces)) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

/** Reads the environment; throws an Error listing every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    rtcPort: e.RTC_PORT,
    rtcListenIp: e.RTC_LISTEN_IP,
    announcedIp: e.ANNOUNCED_IP ?? detectAnnouncedIp(),
    workers: e.WORKERS ?? Math.max(1, os.availableParallelism()),
    logLevel: e.LOG_LEVEL,
    clientDir: path.resolve(e.CLIENT_DIR ?? path.join(repoRoot, 'dist', 'client')),
    maxPeersPerRoom: e.MAX_PEERS_PER_ROOM,
  };
}
