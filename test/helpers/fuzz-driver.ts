/**
 * Drives hostile traffic (hostile-traffic.ts) at a server over many WebSockets at once, the way an
 * attacker with many connections would, and keeps the books: every message that deserves an answer
 * must get exactly one on a socket the server kept open, and a socket the server closed must have
 * been closed for a reason the protocol names (abuse 4000, a frame over the hard cap 1009, a `leave`
 * 4002).
 */
import WebSocket from 'ws';
import type { Category, HostileMessage, HostileTraffic } from './hostile-traffic.js';
import { waitFor } from './wait.js';

export interface FuzzOptions {
  wsUrl: string;
  traffic: HostileTraffic;
  /** Messages to send in all. */
  total: number;
  /** Sockets sending at the same time. */
  concurrency: number;
  /** Messages per well-behaved-rate socket before it closes and a new one takes over. */
  perSocket: number;
  /** Pace of those sockets (the server refills 50 per second). */
  perSecond: number;
  /** Sockets that first join this room (as a member, so ownership is what stops them). */
  joinRoom?: { roomId: string; fraction: number };
}

export interface FuzzReport {
  sent: number;
  byCategory: Partial<Record<Category | 'flood', number>>;
  sockets: number;
  /** How the server closed sockets, by close code (sockets the fuzzer closed itself are not here). */
  closedByServer: Record<number, number>;
  /** On sockets the server kept open: answers expected, and answers received. */
  answersExpected: number;
  answersReceived: number;
  /** Error codes seen in answers. */
  errorCodes: Record<string, number>;
  /** Problems: a socket whose answers did not add up, or an unexpected close code. */
  problems: string[];
}

/**
 * A flood, sent all at once: the server's burst of 200 is answered, the rest is refused past 100 rejects
 * and the socket closed. The bucket refills 50 per second while the server works through the flood, and
 * on a starved machine that took seconds (400 messages then stayed under 100 rejects and the socket was
 * not closed), so the flood leaves room for 10 s of refill: 200 + 100 + 50 x 10 < 1000.
 */
const FLOOD_SIZE = 1000;

/** Close codes a hostile socket may earn. */
const EXPECTED_CLOSES = new Set([4000, 1009, 4002]);

type Kind = 'mixed' | 'well-formed' | 'flood' | 'huge';

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = {
    sent: 0,
    byCategory: {},
    sockets: 0,
    closedByServer: {},
    answersExpected: 0,
    answersReceived: 0,
    errorCodes: {},
    problems: [],
  };
  let budget = options.total;
  let socketIndex = 0;
  const take = (n: number): number => {
    const granted = Math.max(0, Math.min(n, budget));
    budget -= granted;
    return granted;
  };

  async function lane(): Promise<void> {
    while (budget > 0) {
      const index = socketIndex++;
      // One socket in twenty floods, one in twenty sends a frame over the hard cap; the rest pace themselves.
      const kind: Kind = index % 20 === 3 ? 'flood' : index % 20 === 7 ? 'huge' : index % 2 === 0 ? 'mixed' : 'well-formed';
      await runSocket(kind, index);
    }
  }

  async function runSocket(kind: Kind, index: number): Promise<void> {
    const socket = new WebSocket(options.wsUrl);
    socket.on('error', () => undefined);
    const opened = await new Promise<boolean>((resolve) => {
      socket.once('open', () => resolve(true));
      socket.once('close', () => resolve(false));
    });
    if (!opened) {
      report.problems.push(`socket ${index} could not connect`);
      return;
    }
    report.sockets++;
    let answers = 0;
    let expected = 0;
    let closedBy: number | undefined;
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { kind: string; method?: string; ok?: boolean; error?: { code: string }; data?: { code?: string } };
      const answer = message.kind === 'response' || (message.kind === 'notification' && message.method === 'error');
      if (!answer) return;
      answers++;
      const code = message.kind === 'response' ? message.error?.code : message.data?.code;
      if (code) report.errorCodes[code] = (report.errorCodes[code] ?? 0) + 1;
    });
    socket.on('close', (code) => (closedBy = code));
    const send = (message: HostileMessage, category: Category | 'flood' = message.category): void => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(message.payload);
      report.sent++;
      report.byCategory[category] = (report.byCategory[category] ?? 0) + 1;
      if (message.answered) expected++;
    };

    const join = options.joinRoom && index % Math.round(1 / options.joinRoom.fraction) === 0 ? options.joinRoom : undefined;
    if (join && take(1) === 1) {
      send(
        { category: 'out-of-order', answered: true, payload: JSON.stringify({ kind: 'request', id: 0, method: 'join', data: { roomId: join.roomId, displayName: `Fuzzer ${index}` } }) },
      );
      await waitFor(() => answers >= 1 || closedBy !== undefined, { message: `fuzzer ${index} joined`, timeout: 30_000 }).catch(() => undefined);
    }

    /** Whether what this socket sent must get it closed (a full flood, a frame over the hard cap). */
    let mustClose = false;
    if (kind === 'flood') {
      // All at once: a burst's worth is answered, then RATE_LIMITED, and past 100 of those the socket
      // is closed (4000).
      let flooded = 0;
      for (; flooded < FLOOD_SIZE && take(1) === 1; flooded++) send(options.traffic.nextWellFormed(), 'flood');
      mustClose = flooded === FLOOD_SIZE;
    } else if (kind === 'huge') {
      if (take(2) === 2) {
        send(options.traffic.hugeFrame(false));
        send(options.traffic.hugeFrame(true));
        mustClose = true;
      }
    } else {
      const gapMs = 1000 / options.perSecond;
      // The budget is spent only on messages that went out (a `leave` ends the socket early).
      for (let i = 0; i < options.perSocket && closedBy === undefined && take(1) === 1; i++) {
        send(kind === 'mixed' ? options.traffic.next() : options.traffic.nextWellFormed());
        await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
    }

    // Let the answers arrive (or the server's close, for an abusive socket).
    await waitFor(() => closedBy !== undefined || answers >= expected, {
      message: `socket ${index}: ${expected} answers`,
      timeout: kind === 'huge' || kind === 'flood' ? 30_000 : 60_000,
    }).catch(() => undefined);
    if (mustClose) {
      await waitFor(() => closedBy !== undefined, { message: `socket ${index} closed by the server`, timeout: 30_000 }).catch(() => undefined);
    }
    if (closedBy !== undefined) {
      report.closedByServer[closedBy] = (report.closedByServer[closedBy] ?? 0) + 1;
      if (!EXPECTED_CLOSES.has(closedBy)) report.problems.push(`socket ${index} (${kind}) closed with ${closedBy}`);
      return;
    }
    if (mustClose) report.problems.push(`socket ${index} (${kind}) was not closed`);
    // Settle: nothing more may come after the books balance.
    await new Promise((resolve) => setTimeout(resolve, 200));
    report.answersExpected += expected;
    report.answersReceived += answers;
    if (answers !== expected) report.problems.push(`socket ${index} (${kind}): ${answers} answers to ${expected} messages`);
    socket.close(1000);
  }

  await Promise.all(Array.from({ length: options.concurrency }, () => lane()));
  return report;
}
