/**
 * The chat client's bookkeeping: raised hands from events that arrive twice or out of order, and
 * noticing a message that went missing.
 */
import t from 'tap';
import { RaisedHands } from '../../client/src/chat/raised-hands.js';
import { SeqGaps } from '../../client/src/chat/seq-gaps.js';

t.test('a hand follows its sender\'s latest event, whichever path brought it first', async (t) => {
  const hands = new RaisedHands();
  t.ok(hands.apply('a', true, 1, null), 'up (direct copy)');
  t.ok(hands.apply('a', false, 2, null), 'down (direct copy)');
  t.notOk(hands.apply('a', true, 1, 5), "the server's copy of the older 'up' does not raise it again");
  t.notOk(hands.apply('a', false, 2, 6), "the server's copy of 'down' changes nothing");
  t.same([...hands.raised()], []);
  t.notOk(hands.applySnapshot(new Set(['a']), 4), 'a snapshot older than what is known is ignored');
  t.ok(hands.applySnapshot(new Set(['b']), 9), "a newer snapshot brings b's hand");
  t.same([...hands.raised()], ['b']);
  t.ok(hands.forget('b'), 'leaving lowers it');
  t.same([...hands.raised()], []);
  t.ok(hands.apply('me', true, 7, null));
  t.ok(hands.revert('me', 7), 'a refused own event is undone');
  t.notOk(hands.revert('me', 6), 'but not an older one');
  t.same([...hands.raised()], []);
});

t.test('gaps in the running number', async (t) => {
  const gaps = new SeqGaps();
  t.notOk(gaps.note(1));
  t.notOk(gaps.note(2));
  t.ok(gaps.note(4), '3 is missing');
  t.ok(gaps.hasGap);
  t.notOk(gaps.note(3), '3 arrives late (crossed paths)');
  t.notOk(gaps.hasGap, 'no gap left');
  t.equal(gaps.caughtUpTo, 4);
  t.ok(gaps.note(7));
  gaps.caughtUp(6);
  t.notOk(gaps.hasGap, 'history up to 6 fills the gap, and 7 was already seen');
  t.equal(gaps.caughtUpTo, 7);
  t.notOk(gaps.note(2), 'an old number is nothing new');
});
