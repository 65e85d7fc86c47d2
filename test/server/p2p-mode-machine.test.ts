/**
 * The P2P mode state machine on its own: membership, readiness, the browsers' reports and timers in,
 * commands out. Timers are fired by hand, so every interleaving is deterministic.
 */
import t from 'tap';
import { ModeMachine, type ModeCommand, type ModeInput, type TimerName } from '../../server/p2p/mode-machine.js';

const OPTIONS = { enabled: true, switchBackDelayMs: 5000, connectTimeoutMs: 10_000, releaseTimeoutMs: 8000, retryAfterFailureMs: 0 };

/** A machine plus the timers it asked for, and everything it commanded so far. */
class Harness {
  readonly machine: ModeMachine;
  readonly timers = new Map<TimerName, { token: number; ms: number }>();
  log: ModeCommand[] = [];
  #ids = 0;

  constructor(options: Partial<typeof OPTIONS> = {}) {
    this.machine = new ModeMachine({ ...OPTIONS, ...options, newSessionId: () => `s${++this.#ids}` });
  }

  send(input: ModeInput): { commands: ModeCommand[]; accepted: boolean } {
    const result = this.machine.handle(input);
    for (const command of result.commands) {
      if (command.type === 'setTimer') this.timers.set(command.name, { token: command.token, ms: command.ms });
      if (command.type === 'clearTimer') this.timers.delete(command.name);
    }
    this.log.push(...result.commands);
    return result;
  }

  /** Fires a pending timer as the coordinator would. */
  fire(name: TimerName): ModeCommand[] {
    const timer = this.timers.get(name);
    if (!timer) throw new Error(`no ${name} timer is set`);
    this.timers.delete(name);
    return this.send({ type: 'timer', name, token: timer.token }).commands;
  }

  joinReady(...ids: string[]): void {
    for (const id of ids) this.send({ type: 'joined', peerId: id });
    for (const id of ids) this.send({ type: 'ready', peerId: id });
  }

  report(peerId: string, event: 'receiving' | 'released' | 'failed', sessionId = this.machine.sessionId ?? 'none', reason?: string) {
    return this.send({ type: 'report', peerId, sessionId, event, ...(reason ? { reason } : {}) });
  }

  /** Commands other than timer bookkeeping, since `mark`. */
  actions(since = 0): ModeCommand[] {
    return this.log.slice(since).filter((c) => c.type !== 'setTimer' && c.type !== 'clearTimer');
  }

  /** Brings a pair to `active`. */
  activate(a: string, b: string): string {
    this.joinReady(a, b);
    const sessionId = this.machine.sessionId!;
    this.report(a, 'receiving');
    this.report(b, 'receiving');
    return sessionId;
  }
}

t.test('join: two ready peers start P2P at once, the lower id offers', async (t) => {
  const h = new Harness();
  h.send({ type: 'joined', peerId: 'bob' });
  h.send({ type: 'joined', peerId: 'alice' });
  t.same(h.actions(), [], 'nothing before the SFU path of both is proven');
  h.send({ type: 'ready', peerId: 'bob' });
  t.same(h.actions(), [], 'one ready peer is not enough');
  const { commands } = h.send({ type: 'ready', peerId: 'alice' });
  t.same(commands.filter((c) => c.type === 'start'), [{ type: 'start', sessionId: 's1', offerer: 'alice', answerer: 'bob' }]);
  t.equal(h.machine.phase, 'connecting');
  t.equal(h.timers.get('connect')?.ms, 10_000, 'connect timeout armed');
  t.ok(h.machine.isPaired('alice', 's1') && h.machine.isPaired('bob', 's1'), 'both are paired in s1');
  t.notOk(h.machine.isPaired('alice', 's0'), 'not in another session');

  h.report('alice', 'receiving');
  t.equal(h.machine.phase, 'connecting', 'one side receiving is not P2P yet');
  const before = h.log.length;
  h.report('bob', 'receiving');
  t.same(h.actions(before), [{ type: 'activate', sessionId: 's1', peers: ['alice', 'bob'] }]);
  t.equal(h.machine.phase, 'active');
  t.notOk(h.timers.has('connect'), 'connect timeout cleared');
  h.report('bob', 'receiving');
  t.equal(h.actions(before).length, 1, 'a repeated report changes nothing');
});

t.test('a lone peer, or a disabled feature, never starts P2P', async (t) => {
  const alone = new Harness();
  alone.joinReady('a');
  t.same(alone.actions(), []);
  const disabled = new Harness({ enabled: false });
  disabled.joinReady('a', 'b');
  t.same(disabled.actions(), [], 'P2P_ENABLED=false');
  t.equal(disabled.machine.phase, 'idle');
});

t.test('a third person joins: stop make-before-break, close once both released', async (t) => {
  const h = new Harness();
  const s = h.activate('a', 'b');
  const mark = h.log.length;
  h.send({ type: 'joined', peerId: 'c' });
  t.same(h.actions(mark), [{ type: 'stop', sessionId: s, peers: ['a', 'b'], reason: 'participant-joined' }]);
  t.equal(h.machine.phase, 'stopping');
  t.ok(h.timers.has('release'), 'release timeout armed');
  t.ok(h.machine.isPaired('a', s), 'signals may still flow while stopping');
  h.send({ type: 'ready', peerId: 'c' });
  h.report('a', 'released');
  t.equal(h.machine.phase, 'stopping', 'waits for both');
  const mark2 = h.log.length;
  h.report('b', 'released');
  t.same(h.actions(mark2), [{ type: 'close', sessionId: s, peers: ['a', 'b'], reason: 'released' }]);
  t.equal(h.machine.phase, 'idle', 'three people stay on the SFU');
  t.notOk(h.machine.isPaired('a', s), 'the session is over');
  t.equal(h.report('a', 'released', s).accepted, false, 'a late report about it is refused');
});

t.test('leave: back to two, P2P again only after the switch-back delay', async (t) => {
  const h = new Harness();
  h.activate('a', 'b');
  h.send({ type: 'joined', peerId: 'c' });
  h.report('a', 'released');
  h.report('b', 'released');
  h.send({ type: 'ready', peerId: 'c' });
  const mark = h.log.length;
  h.send({ type: 'left', peerId: 'c' });
  t.same(h.actions(mark), [], 'no start right away');
  t.equal(h.machine.phase, 'waiting');
  t.equal(h.timers.get('switch-back')?.ms, 5000);
  const started = h.fire('switch-back');
  t.same(started.filter((c) => c.type === 'start'), [{ type: 'start', sessionId: 's2', offerer: 'a', answerer: 'b' }]);
});

t.test('rejoin within the delay (a reload): the pair never leaves the SFU', async (t) => {
  const h = new Harness();
  h.joinReady('a', 'b', 'c');
  t.same(h.actions(), [], 'three people: SFU');
  h.send({ type: 'left', peerId: 'c' });
  t.equal(h.machine.phase, 'waiting');
  const staleToken = h.timers.get('switch-back')!.token;
  h.send({ type: 'joined', peerId: 'c2' });
  t.equal(h.machine.phase, 'idle', 'the countdown is cancelled');
  t.notOk(h.timers.has('switch-back'), 'its timer is cleared');
  // The cancelled timer's callback may already have been queued when it was cleared.
  const mark = h.log.length;
  h.send({ type: 'timer', name: 'switch-back', token: staleToken });
  t.same(h.actions(mark), [], 'a stale timer does nothing');
  t.same(h.actions(), [], 'no P2P session ever started');
});

t.test('ICE failure: back to the SFU, no retry until the membership changes', async (t) => {
  const h = new Harness();
  const s = h.activate('a', 'b');
  const mark = h.log.length;
  h.report('b', 'failed', s, 'ice-failed');
  t.same(h.actions(mark), [{ type: 'stop', sessionId: s, peers: ['a', 'b'], reason: 'failed', detail: 'ice-failed' }]);
  h.report('a', 'released');
  h.report('b', 'released');
  t.equal(h.machine.phase, 'idle');
  h.send({ type: 'ready', peerId: 'a' });
  t.equal(h.machine.phase, 'idle', 'the failed pair is not retried');
  t.notOk(h.timers.has('switch-back'));
  // Someone comes and goes: a new chance for the same pair (networks change).
  h.joinReady('c');
  h.send({ type: 'left', peerId: 'c' });
  t.equal(h.machine.phase, 'waiting', 'retried after the delay');
});

t.test('a failed pair tries again later, waiting twice as long after each failure', async (t) => {
  const h = new Harness({ retryAfterFailureMs: 30_000 });
  const s1 = h.activate('a', 'b');
  h.report('a', 'failed', s1, 'connection-lost');
  t.equal(h.timers.get('retry')?.ms, 30_000, 'the first retry is armed for 30 s');
  h.report('a', 'released');
  h.report('b', 'released');
  t.equal(h.machine.phase, 'idle', 'back on the SFU; the failed pair is not started again at once');
  t.notOk(h.timers.has('switch-back'), 'not even after the switch-back delay');

  const retry = h.fire('retry');
  const start = retry.find((c) => c.type === 'start');
  t.ok(start, 'the retry starts a new session');
  t.not(h.machine.sessionId, s1, 'with a new session id');

  // It never connects: the connect timeout counts as a failure too, and the next wait doubles.
  h.fire('connect');
  t.equal(h.timers.get('retry')?.ms, 60_000, 'the second retry waits 60 s');
  h.report('a', 'released');
  h.report('b', 'released');
  h.fire('retry');
  h.report('b', 'failed', h.machine.sessionId!, 'connection-failed');
  t.equal(h.timers.get('retry')?.ms, 120_000, 'the third 120 s');

  // Someone joins and leaves: a clean slate, no pending retry, and the next failure waits 30 s again.
  h.report('a', 'released');
  h.report('b', 'released');
  h.joinReady('c');
  t.notOk(h.timers.has('retry'), 'membership changed: the pending retry is dropped');
  h.send({ type: 'left', peerId: 'c' });
  h.fire('switch-back');
  const s4 = h.machine.sessionId!;
  t.equal(h.machine.phase, 'connecting', 'the pair tries again after the switch-back delay');
  h.report('a', 'failed', s4, 'connection-failed');
  t.equal(h.timers.get('retry')?.ms, 30_000, 'and after a new failure waits 30 s again');
});

t.test('retries are capped at 10 minutes apart', async (t) => {
  const h = new Harness({ retryAfterFailureMs: 200_000 });
  h.joinReady('a', 'b');
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    h.fire('connect');
    waits.push(h.timers.get('retry')!.ms);
    h.report('a', 'released');
    h.report('b', 'released');
    h.fire('retry');
  }
  t.same(waits, [200_000, 400_000, 600_000, 600_000], 'doubling, then capped');
});

t.test('failure while connecting, and the connect timeout', async (t) => {
  const failing = new Harness();
  failing.joinReady('a', 'b');
  const s = failing.machine.sessionId!;
  failing.report('a', 'receiving');
  const mark = failing.log.length;
  failing.report('b', 'failed', s, 'connection-failed');
  t.same(failing.actions(mark), [{ type: 'stop', sessionId: s, peers: ['a', 'b'], reason: 'failed', detail: 'connection-failed' }]);
  t.notOk(failing.timers.has('connect'), 'connect timeout cleared by the stop');

  const slow = new Harness();
  slow.joinReady('a', 'b');
  const stop = slow.fire('connect');
  t.same(stop.filter((c) => c.type === 'stop'), [{ type: 'stop', sessionId: 's1', peers: ['a', 'b'], reason: 'connect-timeout' }]);
  slow.report('a', 'released');
  slow.report('b', 'released');
  slow.send({ type: 'ready', peerId: 'b' });
  t.equal(slow.machine.phase, 'idle', 'a pair that timed out is not retried either');
});

t.test('simultaneous joins: a third peer before anyone is ready means no P2P at all', async (t) => {
  const h = new Harness();
  for (const id of ['a', 'b', 'c']) h.send({ type: 'joined', peerId: id });
  for (const id of ['c', 'a', 'b']) h.send({ type: 'ready', peerId: id });
  t.same(h.actions(), []);
  t.equal(h.machine.phase, 'idle');

  // Two joining at once and becoming ready in either order start exactly one session.
  const pair = new Harness();
  pair.send({ type: 'joined', peerId: 'y' });
  pair.send({ type: 'joined', peerId: 'x' });
  pair.send({ type: 'ready', peerId: 'x' });
  pair.send({ type: 'ready', peerId: 'y' });
  pair.send({ type: 'ready', peerId: 'x' });
  t.equal(pair.actions().filter((c) => c.type === 'start').length, 1, 'one start');
  t.match(pair.actions()[0], { offerer: 'x', answerer: 'y' });

  // A third joining while the pair connects turns the attempt into a stop.
  const race = new Harness();
  race.joinReady('a', 'b');
  race.send({ type: 'joined', peerId: 'c' });
  t.match(race.actions().map((c) => c.type), ['start', 'stop']);
  t.match(race.actions()[1], { reason: 'participant-joined' });
});

t.test('a peer leaving mid-switch closes the session for the other at once', async (t) => {
  const connecting = new Harness();
  connecting.joinReady('a', 'b');
  let mark = connecting.log.length;
  connecting.send({ type: 'left', peerId: 'a' });
  t.same(connecting.actions(mark), [{ type: 'close', sessionId: 's1', peers: ['b'], reason: 'peer-left' }]);
  t.equal(connecting.machine.phase, 'idle');
  t.notOk(connecting.timers.has('connect'), 'no timer left behind');

  const stopping = new Harness();
  const s = stopping.activate('a', 'b');
  stopping.send({ type: 'joined', peerId: 'c' });
  stopping.report('a', 'released');
  mark = stopping.log.length;
  stopping.send({ type: 'left', peerId: 'b' });
  t.same(stopping.actions(mark), [{ type: 'close', sessionId: s, peers: ['a'], reason: 'peer-left' }]);
  t.notOk(stopping.timers.has('release'));
  stopping.send({ type: 'ready', peerId: 'c' });
  t.equal(stopping.machine.phase, 'waiting', 'a and c are two again: P2P after the delay');

  // The third leaves while the pair is still handing over: P2P again only after the handover and the delay.
  const third = new Harness();
  third.activate('a', 'b');
  third.joinReady('c');
  third.send({ type: 'left', peerId: 'c' });
  t.equal(third.machine.phase, 'stopping', 'the handover finishes first');
  third.report('a', 'released');
  third.report('b', 'released');
  t.equal(third.machine.phase, 'waiting');
});

t.test('release timeout: a browser that never reports released does not hold the pair', async (t) => {
  const h = new Harness();
  const s = h.activate('a', 'b');
  h.send({ type: 'joined', peerId: 'c' });
  h.report('a', 'released');
  const closed = h.fire('release');
  t.same(closed.filter((c) => c.type === 'close'), [{ type: 'close', sessionId: s, peers: ['a', 'b'], reason: 'release-timeout' }]);
});

t.test('reports are accepted only from the two peers of the current session', async (t) => {
  const h = new Harness();
  h.joinReady('a', 'b');
  t.equal(h.report('a', 'receiving', 'other-session').accepted, false, 'wrong session id');
  t.equal(h.report('mallory', 'failed', 's1').accepted, false, 'not a member of the session');
  t.equal(h.machine.phase, 'connecting', 'neither changed anything');
  t.equal(h.report('b', 'receiving', 's1').accepted, true);
});

t.test('a resumed signaling connection stops the session (it may have missed commands)', async (t) => {
  const h = new Harness();
  const s = h.activate('a', 'b');
  let mark = h.log.length;
  h.send({ type: 'resumed', peerId: 'b' });
  t.same(h.actions(mark), [{ type: 'stop', sessionId: s, peers: ['a', 'b'], reason: 'reconnected' }]);
  mark = h.log.length;
  h.send({ type: 'resumed', peerId: 'a' });
  t.same(h.actions(mark), [{ type: 'stop', sessionId: s, peers: ['a'], reason: 'reconnected' }], 'repeated to whoever may have missed it');
  h.report('a', 'released');
  h.report('b', 'released');
  t.equal(h.machine.phase, 'waiting', 'P2P again after the delay');
});
