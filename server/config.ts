/**
 * All configuration, read from the environment once, with typed defaults that run on a laptop with
 * nothing else installed. Each field documents its variable; README.md carries the same table.
 */
import { randomBytes } from 'node:crypto';
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
  /** Two-person rooms send media browser to browser (`false`: everything goes through the SFU). */
  P2P_ENABLED: z.enum(['true', 'false', '1', '0']).default('true'),
  /** After a room drops back to two people, wait this long before going P2P (absorbs page reloads). */
  P2P_SWITCH_BACK_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** A P2P attempt that has not carried media both ways by then is abandoned; the pair stays on the SFU. */
  P2P_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(10_000),
  /** A pair whose P2P failed tries again after this long, doubling per failure (max 10 min); 0: never. */
  P2P_RETRY_AFTER_FAILURE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  /**
   * STUN/TURN servers handed to browsers for P2P: comma-separated `stun:`, `turn:` or `turns:` URLs.
   * Empty: host candidates only (enough on one network; across NATs add at least a STUN server).
   */
  P2P_ICE_SERVERS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((url) => url.trim()).filter((url) => url !== ''))
    .pipe(z.array(z.string().regex(/^(stun|turns?):[^\s]+$/, 'each ICE server must be a stun:, turn: or turns: URL')).max(16)),
  /** Long-term TURN credentials for the `turn:`/`turns:` URLs above (browsers refuse TURN without them). */
  P2P_TURN_USERNAME: z.string().min(1).max(256).optional(),
  P2P_TURN_CREDENTIAL: z.string().min(1).max(256).optional(),
  /** `relay`: P2P only through TURN (hides each person's address from the other); `all`: direct first. */
  P2P_ICE_TRANSPORT_POLICY: z.enum(['all', 'relay']).default('all'),
  /** Chat lines each room keeps in memory for people who join later. 0 = no history. */
  CHAT_HISTORY_SIZE: z.coerce.number().int().min(0).max(10_000).default(200),
  /** Chat messages (lines, hands, reactions) one person may send at once... */
  CHAT_RATE_BURST: z.coerce.number().int().min(1).max(10_000).default(20),
  /** ...and per second after that. */
  CHAT_RATE_PER_SECOND: z.coerce.number().min(0.1).max(10_000).default(5),
  /** How long a participant whose connection broke is kept for `resume` before it leaves. 0 = no resume. */
  RESUME_GRACE_SECONDS: z.coerce.number().min(0).max(600).default(30),
  /** Open signaling sockets allowed from one client address (a whole office behind NAT is one address). */
  MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(50),
  /**
   * Which proxies may set X-Forwarded-For (and so the client address used for per-address limits and
   * logs): addresses, CIDRs or `loopback` / `linklocal` / `uniquelocal`, comma-separated; `false`: none.
   */
  TRUST_PROXY: z
    .string()
    .min(1)
    .refine((value) => value !== 'true', "'true' would let any client pick its own address; list the proxies instead")
    .default('loopback'),
  /** HS256 secret that signs join tokens (`POST /api/tokens`); at least 32 characters. Unset: no tokens. */
  JOIN_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters (an HS256 key)').optional(),
  /** Joins without a token: default `true` when JOIN_TOKEN_SECRET is unset, `false` when it is set. */
  ALLOW_OPEN_JOIN: z.enum(['true', 'false', '1', '0']).optional(),
  /** Bearer key for the HTTP API under /api/; at least 24 characters. Unset: the API answers 403. */
  API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  /** coturn's `static-auth-secret`: browsers get time-limited TURN credentials derived from it. */
  TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The coturn URLs browsers use with those credentials: comma-separated `turn:` / `turns:` URLs. */
  TURN_URLS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((url) => url.trim()).filter((url) => url !== ''))
    .pipe(z.array(z.string().regex(/^turns?:[^\s]+$/, 'each TURN URL must be a turn: or turns: URL')).max(16)),
  /** How long a TURN credential stays valid, in seconds (it must outlast the longest meeting). */
  TURN_CREDENTIAL_TTL: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
  /** PEM certificate chain and private key: set both to serve HTTPS/WSS directly (no reverse proxy). */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** Redis that coordinates several nodes (server/cluster/). Unset: one node on its own, as always. */
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional(),
  /** HMAC key nodes sign their messages to each other with; at least 32 characters. Required with REDIS_URL. */
  CLUSTER_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** This node's name in the cluster. Unset: a random one per process (a restarted node is a new node). */
  NODE_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"').optional(),
  /** The signaling URL browsers reach this node at (ws:// or wss://, ending in /ws). Unset: built from ANNOUNCED_IP and PORT. */
  NODE_URL: z.string().regex(/^wss?:\/\/\S+$/, 'must be a ws:// or wss:// URL').optional(),
  /** The address other nodes send piped media to (mediasoup PipeTransports). Unset: ANNOUNCED_IP. */
  NODE_PIPE_IP: z.ipv4().or(z.ipv6()).optional(),
  /** How often a node tells Redis it is alive, and after how long without that it counts as dead. */
  NODE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  NODE_TTL_MS: z.coerce.number().int().min(300).max(300_000).default(6000),
  /** People of one room on one node; past that, the room spans to another node. */
  ROOM_PEERS_PER_NODE: z.coerce.number().int().min(2).max(1000).default(50),
  /** CPU (in cores, e.g. 0.8) past which a node takes no newcomers while another node can; 0: no limit. */
  NODE_CPU_LIMIT: z.coerce.number().min(0).max(1024).default(0),
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
  /** Peer-to-peer media for two-person rooms (server/p2p/). */
  p2p: P2PConfig;
  chatHistorySize: number;
  chatRateBurst: number;
  chatRatePerSecond: number;
  resumeGraceMs: number;
  maxConnectionsPerIp: number;
  /** Fastify's `trustProxy`: false, or the proxy addresses trusted to report the client's address. */
  trustProxy: false | string;
  /** Join tokens and the HTTP API key (server/auth/, server/api/). */
  auth: AuthConfig;
  /** Built-in HTTPS; undefined: plain HTTP (e.g. behind a TLS reverse proxy). */
  tls?: { certFile: string; keyFile: string };
  /** Several nodes coordinated through Redis (server/cluster/); undefined: a single node. */
  cluster?: ClusterConfig;
}

export interface ClusterConfig {
  redisUrl: string;
  secret: string;
  nodeId: string;
  /** Undefined: `ws(s)://ANNOUNCED_IP:<listening port>/ws`, known once the server listens. */
  nodeUrl?: string;
  pipeIp: string;
  heartbeatMs: number;
  ttlMs: number;
  roomPeersPerNode: number;
  /** Cores; 0: none. A node past it counts as full for every room (newcomers go elsewhere if possible). */
  cpuLimit: number;
}

export interface AuthConfig {
  joinTokenSecret?: string;
  /** Whether `join` without a token is accepted. */
  allowOpenJoin: boolean;
  apiKey?: string;
}

/** coturn's REST-API credentials (`use-auth-secret`): see server/media/turn-credentials.ts. */
export interface TurnRestConfig {
  secret: string;
  urls: string[];
  ttlSeconds: number;
}

export interface P2PConfig {
  enabled: boolean;
  switchBackDelayMs: number;
  connectTimeoutMs: number;
  /**
   * A pair whose P2P failed or timed out tries again after this long, doubling with each failure
   * (server/p2p/mode-machine.ts). Unset or 0: not until the room's membership changes.
   */
  retryAfterFailureMs?: number;
  /** STUN/TURN URLs for browsers; credentials are added per peer by server/p2p/ice-servers.ts. */
  iceServerUrls: string[];
  iceTransportPolicy: 'all' | 'relay';
  /** Static TURN credentials, when configured. */
  turnCredentials?: { username: string; credential: string };
  /**
   * Time-limited TURN credentials from coturn's shared secret (TURN_SECRET, TURN_URLS). They serve the
   * SFU transports too (join answer's `iceServers`); they live here because iceServersFor takes this.
   */
  turn?: TurnRestConfig;
}

/** The first non-internal IPv4 address: what a browser on this machine or the LAN can reach. */
export function detectAnnouncedIp(interfaces = os.networkInterfaces()): string {
  for (const addresses of Object.values(interfaces)) {
    for (const address of addresses ?? []) {
      // 169.254/16 is a link-local address an interface gives itself when DHCP failed: nobody can reach it.
      if (address.family === 'IPv4' && !address.internal && !address.address.startsWith('169.254.')) return address.address;
    }
  }
  return '127.0.0.1';
}

/** Reads the environment; throws an Error listing every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to "" is unset: docker-compose passes `VAR: "${VAR:-}"` through as an empty string.
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const needsTurnCredentials = e.P2P_ICE_SERVERS.some((url) => url.startsWith('turn'));
  if (needsTurnCredentials && !(e.P2P_TURN_USERNAME && e.P2P_TURN_CREDENTIAL)) {
    throw new Error('invalid configuration: P2P_ICE_SERVERS has TURN URLs: set P2P_TURN_USERNAME and P2P_TURN_CREDENTIAL');
  }
  if ((e.TURN_SECRET === undefined) !== (e.TURN_URLS.length === 0)) {
    throw new Error('invalid configuration: set TURN_SECRET and TURN_URLS together (TURN needs both)');
  }
  if ((e.TLS_CERT_FILE === undefined) !== (e.TLS_KEY_FILE === undefined)) {
    throw new Error('invalid configuration: set TLS_CERT_FILE and TLS_KEY_FILE together');
  }
  if (e.REDIS_URL && !e.CLUSTER_SECRET) {
    throw new Error('invalid configuration: REDIS_URL needs CLUSTER_SECRET (nodes sign their messages with it)');
  }
  if (e.NODE_TTL_MS <= e.NODE_HEARTBEAT_MS) {
    throw new Error('invalid configuration: NODE_TTL_MS must be longer than NODE_HEARTBEAT_MS');
  }
  if (!e.JOIN_TOKEN_SECRET && (e.ALLOW_OPEN_JOIN === 'false' || e.ALLOW_OPEN_JOIN === '0')) {
    throw new Error('invalid configuration: ALLOW_OPEN_JOIN=false without JOIN_TOKEN_SECRET would let nobody in');
  }
  const announcedIp = e.ANNOUNCED_IP ?? detectAnnouncedIp();
  const turn = e.TURN_SECRET ? { secret: e.TURN_SECRET, urls: e.TURN_URLS, ttlSeconds: e.TURN_CREDENTIAL_TTL } : undefined;
  return {
    port: e.PORT,
    host: e.HOST,
    rtcPort: e.RTC_PORT,
    rtcListenIp: e.RTC_LISTEN_IP,
    announcedIp,
    workers: e.WORKERS ?? Math.max(1, os.availableParallelism()),
    logLevel: e.LOG_LEVEL,
    clientDir: path.resolve(e.CLIENT_DIR ?? path.join(repoRoot, 'dist', 'client')),
    maxPeersPerRoom: e.MAX_PEERS_PER_ROOM,
    p2p: {
      enabled: e.P2P_ENABLED === 'true' || e.P2P_ENABLED === '1',
      switchBackDelayMs: e.P2P_SWITCH_BACK_DELAY_MS,
      connectTimeoutMs: e.P2P_CONNECT_TIMEOUT_MS,
      retryAfterFailureMs: e.P2P_RETRY_AFTER_FAILURE_MS,
      iceServerUrls: e.P2P_ICE_SERVERS,
      iceTransportPolicy: e.P2P_ICE_TRANSPORT_POLICY,
      ...(e.P2P_TURN_USERNAME && e.P2P_TURN_CREDENTIAL
        ? { turnCredentials: { username: e.P2P_TURN_USERNAME, credential: e.P2P_TURN_CREDENTIAL } }
        : {}),
      ...(turn ? { turn } : {}),
    },
    chatHistorySize: e.CHAT_HISTORY_SIZE,
    chatRateBurst: e.CHAT_RATE_BURST,
    chatRatePerSecond: e.CHAT_RATE_PER_SECOND,
    resumeGraceMs: Math.round(e.RESUME_GRACE_SECONDS * 1000),
    maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
    trustProxy: e.TRUST_PROXY === 'false' ? false : e.TRUST_PROXY,
    auth: {
      ...(e.JOIN_TOKEN_SECRET ? { joinTokenSecret: e.JOIN_TOKEN_SECRET } : {}),
      // With a secret, tokens are the point: open joins must be asked for.
      allowOpenJoin: e.ALLOW_OPEN_JOIN === undefined ? !e.JOIN_TOKEN_SECRET : e.ALLOW_OPEN_JOIN === 'true' || e.ALLOW_OPEN_JOIN === '1',
      ...(e.API_KEY ? { apiKey: e.API_KEY } : {}),
    },
    ...(e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { tls: { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } } : {}),
    ...(e.REDIS_URL && e.CLUSTER_SECRET
      ? {
          cluster: {
            redisUrl: e.REDIS_URL,
            secret: e.CLUSTER_SECRET,
            nodeId: e.NODE_ID ?? `node-${randomBytes(4).toString('hex')}`,
            ...(e.NODE_URL ? { nodeUrl: e.NODE_URL } : {}),
            pipeIp: e.NODE_PIPE_IP ?? announcedIp,
            heartbeatMs: e.NODE_HEARTBEAT_MS,
            ttlMs: e.NODE_TTL_MS,
            roomPeersPerNode: e.ROOM_PEERS_PER_NODE,
            cpuLimit: e.NODE_CPU_LIMIT,
          },
        }
      : {}),
  };
}
