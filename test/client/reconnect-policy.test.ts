/**
 * The signaling client's rules for a broken connection, without a network: which closes are worth a
 * reconnect, which `resume` refusals end it, how the retries are spaced, and how the heartbeat tells a
 * quiet socket (fine: it answers a ping) from a dead one (it does not).
 */
import t from 'tap';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { Heartbeat } from '../../client/src/signal/heartbeat.js';
import { backoffDelay, isFinalRefusal, mayReconnectAfter } from '../../client/src/signal/reconnect-policy.js';
import { SignalError } from '../../client/src/signal/signal-error.js';
import { waitFor } from '../helpers/wait.js';

t.test('a broken connection is retried; an end the server meant is not', async (t) => {
  for (const code of [1006, 1001, 1011, 1012, CLOSE_CODES.HEARTBEAT_TIMEOUT, CLOSE_CODES.RECONNECTING, CLOSE_CODES.TOO_MANY_CONNECTIONS]) {
    t.ok(mayReconnectAfter(code), `after ${code}`);
  }
  for (const code of [1000, 1008, 1009, CLOSE_CODES.PROTOCOL_ERROR, CLOSE_CODES.LEFT, CLOSE_CODES.ROOM_CLOSED, CLOSE_CODES.SHUTDOWN, CLOSE_CODES.REPLACED]) {
    t.notOk(mayReconnectAfter(code), `not after ${code}`);
  }
});

t.test('resume: a refusal ends it, a hiccup does not', async (t) => {
  for (const code of ['NOT_FOUND', 'FORBIDDEN', 'BAD_REQUEST'] as const) t.ok(isFinalRefusal(new SignalError(code, 'x')), code);
  for (const code of ['TIMEOUT', 'CONNECTION_CLOSED', 'INTERNAL', 'RATE_LIMITED', 'INVALID_STATE'] as const) {
    t.notOk(isFinalRefusal(new SignalError(code, 'x')), code);
  }
});

t.test('retries: the first at once, then backing off to 5 s, with jitter', async (t) => {
  t.equal(backoffDelay(0, () => 0.5), 0, 'the first retry is immediate');
  const middle = [1, 2, 3, 4, 5, 9].map((attempt) => backoffDelay(attempt, () => 0.5));
  t.same(middle, [500, 1000, 2000, 4000, 5000, 5000], 'doubling, capped at 5 s');
  t.equal(backoffDelay(5, () => 0), 4000, '-20 %');
  t.equal(backoffDelay(5, () => 1), 6000, '+20 %');
});

t.test('heartbeat: a quiet socket is pinged; one that never answers is dead', async (t) => {
  let pings = 0;
  let dead = 0;
  const heartbeat = new Heartbeat({ pingIntervalMs: 100, pongTimeoutMs: 300 }, { ping: () => pings++, dead: () => dead++ });
  t.teardown(() => heartbeat.stop());
  heartbeat.start();
  await waitFor(() => pings === 1, { message: 'a ping after a quiet spell' });
  heartbeat.heard(); // the answer
  await waitFor(() => pings === 2, { message: 'another ping after the next quiet spell' });
  t.equal(dead, 0, 'answered pings keep it alive');
  await waitFor(() => dead === 1, { message: 'no answer: dead' });
  t.equal(pings, 2, 'one ping at a time: no new ping while one is unanswered');
});

t.test('heartbeat: steady traffic needs no ping', async (t) => {
  let pings = 0;
  const heartbeat = new Heartbeat({ pingIntervalMs: 200, pongTimeoutMs: 400 }, { ping: () => pings++, dead: () => t.fail('dead') });
  heartbeat.start();
  const chatter = setInterval(() => heartbeat.heard(), 50);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  clearInterval(chatter);
  heartbeat.stop();
  t.equal(pings, 0);
});
