/**
 * A room's peer-to-peer switching, wired to the world: feeds the room's events into the ModeMachine,
 * runs its timers, tells the browsers what to do, and relays the pair's SDP and ICE candidates. The
 * machine is synchronous, so every event is handled whole before the next one (the same guarantee the
 * room's queue gives membership changes, which call in here from inside that queue).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { P2PNotifications, P2PReportEvent, P2PSignal } from '../../protocol/p2p.js';
import type { P2PConfig } from '../config.js';
import type { Peer } from '../rooms/peer.js';
import { RequestError } from '../signaling/errors.js';
import { iceServersFor } from './ice-servers.js';
import { ModeMachine, type ModeCommand, type ModeInput, type P2PPhase, type TimerName } from './mode-machine.js';

/** After `p2pStop`, how long the pair has to show SFU media again before the P2P connection is closed anyway. */
const RELEASE_TIMEOUT_MS = 10_000;

/** Descriptions and candidates one peer may send in one session: real ones need a few dozen. */
const MAX_SIGNALS_PER_PEER = 200;

export interface P2PCoordinatorOptions {
  config: P2PConfig;
  logger: FastifyBaseLogger;
  /** A current member of the room, to reach its client. */
  peer: (peerId: string) => Peer | undefined;
}

export class P2PCoordinator {
  readonly #config: P2PConfig;
  readonly #logger: FastifyBaseLogger;
  readonly #peer: (peerId: string) => Peer | undefined;
  readonly #machine: ModeMachine;
  readonly #timers = new Map<TimerName, NodeJS.Timeout>();
  /** Signals relayed per peer in the current session. */
  #signalCounts = new Map<string, number>();
  #closed = false;

  constructor(options: P2PCoordinatorOptions) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#peer = options.peer;
    this.#machine = new ModeMachine({
      enabled: options.config.enabled,
      switchBackDelayMs: options.config.switchBackDelayMs,
      connectTimeoutMs: options.config.connectTimeoutMs,
      retryAfterFailureMs: options.config.retryAfterFailureMs ?? 0,
      releaseTimeoutMs: RELEASE_TIMEOUT_MS,
      newSessionId: randomUUID,
    });
  }

  /** `p2p` while the pair's media goes browser to browser; `sfu` otherwise (also while switching). */
  get mode(): 'sfu' | 'p2p' {
    return this.#machine.phase === 'active' ? 'p2p' : 'sfu';
  }

  get phase(): P2PPhase {
    return this.#machine.phase;
  }

  peerJoined(peerId: string): void {
    this.#feed({ type: 'joined', peerId });
  }

  peerLeft(peerId: string): void {
    this.#feed({ type: 'left', peerId });
  }

  /** The peer's SFU path works (one of its transports reached DTLS `connected`). */
  peerReady(peerId: string): void {
    this.#feed({ type: 'ready', peerId });
  }

  /** The peer's client resumed on a new connection (it may have missed P2P commands meanwhile). */
  peerResumed(peerId: string): void {
    this.#feed({ type: 'resumed', peerId });
  }

  /** A browser's report on the session; NOT_FOUND if the session is not (or no longer) its own. */
  report(peer: Peer, sessionId: string, event: P2PReportEvent, reason?: string): void {
    const { accepted } = this.#feed({ type: 'report', peerId: peer.id, sessionId, event, ...(reason ? { reason } : {}) });
    if (!accepted) throw new RequestError('NOT_FOUND', `no P2P session ${sessionId} of yours`);
    if (event === 'failed') peer.logger.warn({ sessionId, reason }, 'p2p failed in the browser: %s', reason ?? 'no reason given');
  }

  /** Passes a description or candidate to the other peer of the session, if `peer` is one of the two. */
  relay(peer: Peer, sessionId: string, signal: P2PSignal): void {
    const partnerId = this.#machine.isPaired(peer.id, sessionId) ? this.#machine.partnerOf(peer.id) : null;
    const partner = partnerId === null ? undefined : this.#peer(partnerId);
    if (!partner) throw new RequestError('NOT_FOUND', `no P2P session ${sessionId} of yours`);
    const count = (this.#signalCounts.get(peer.id) ?? 0) + 1;
    if (count > MAX_SIGNALS_PER_PEER) throw new RequestError('RATE_LIMITED', `more than ${MAX_SIGNALS_PER_PEER} P2P signals in one session`);
    this.#signalCounts.set(peer.id, count);
    partner.channel.notify('p2pSignal', { sessionId, signal });
  }

  /** Stops the timers; the room is closing and its peers are being disconnected anyway. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #feed(input: ModeInput): { accepted: boolean } {
    if (this.#closed) return { accepted: false };
    const { commands, accepted } = this.#machine.handle(input);
    for (const command of commands) this.#run(command);
    return { accepted };
  }

  #run(command: ModeCommand): void {
    switch (command.type) {
      case 'start': {
        this.#signalCounts = new Map();
        this.#logger.info({ sessionId: command.sessionId, offerer: command.offerer, answerer: command.answerer }, 'p2p start');
        const common = { sessionId: command.sessionId, iceTransportPolicy: this.#config.iceTransportPolicy };
        this.#notifyStart(command.offerer, { ...common, peerId: command.answerer, role: 'offerer' });
        this.#notifyStart(command.answerer, { ...common, peerId: command.offerer, role: 'answerer' });
        return;
      }
      case 'activate':
        this.#logger.info({ sessionId: command.sessionId }, 'p2p active: the pair sends media browser to browser');
        for (const id of command.peers) this.#peer(id)?.channel.notify('p2pActive', { sessionId: command.sessionId });
        return;
      case 'stop': {
        const { sessionId, reason, detail } = command;
        const level = reason === 'participant-joined' ? 'info' : 'warn';
        this.#logger[level]({ sessionId, reason, detail }, 'p2p stop (%s): back to the SFU', reason);
        for (const id of command.peers) {
          this.#peer(id)?.channel.notify('p2pStop', { sessionId, reason, ...(detail === undefined ? {} : { detail }) });
        }
        return;
      }
      case 'close':
        this.#logger.info({ sessionId: command.sessionId, reason: command.reason }, 'p2p closed (%s)', command.reason);
        for (const id of command.peers) this.#peer(id)?.channel.notify('p2pClose', { sessionId: command.sessionId, reason: command.reason });
        return;
      case 'setTimer': {
        clearTimeout(this.#timers.get(command.name));
        const { name, token } = command;
        const timer = setTimeout(() => {
          this.#timers.delete(name);
          this.#feed({ type: 'timer', name, token });
        }, command.ms);
        timer.unref();
        this.#timers.set(name, timer);
        return;
      }
      case 'clearTimer':
        clearTimeout(this.#timers.get(command.name));
        this.#timers.delete(command.name);
        return;
    }
  }

  #notifyStart(peerId: string, data: Omit<P2PNotifications['p2pStart'], 'iceServers'>): void {
    const peer = this.#peer(peerId);
    if (!peer) return;
    peer.channel.notify('p2pStart', { ...data, iceServers: iceServersFor(this.#config, peerId) });
  }
}
