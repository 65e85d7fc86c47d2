/**
 * The chat timeline shows each line once, whichever way its copies came and in whatever order:
 * merged by sender + id, placed by the server's number, never against its sender's own order.
 */
import t from 'tap';
import { ChatTimeline, entryKey, type ChatEntry } from '../../client/src/chat/chat-timeline.js';

function line(sender: string, senderSeq: number, seq: number | null, text = `${sender}${senderSeq}`): ChatEntry {
  const id = `${sender}-msg-${senderSeq}`;
  return { key: entryKey(sender, id), id, sender, senderName: sender.toUpperCase(), senderSeq, text, timestamp: 1000 + senderSeq, seq, mine: false, status: 'sent', error: null };
}

const texts = (timeline: ChatTimeline) => timeline.entries.map((entry) => entry.text);

t.test('copies of one line merge into one entry; the server copy adds its stamp in place', async (t) => {
  const timeline = new ChatTimeline();
  t.ok(timeline.upsert(line('a', 1, null)), 'a direct copy adds the line');
  t.ok(timeline.upsert(line('b', 1, 7)), "another sender's line");
  t.ok(timeline.upsert({ ...line('a', 1, 6), timestamp: 5 }), 'the server copy of the first line changes it...');
  t.same(texts(timeline), ['a1', 'b1'], '...without adding or moving it');
  t.equal(timeline.entries[0]?.seq, 6, 'it now has the server number');
  t.equal(timeline.entries[0]?.timestamp, 5, "and the server's time");
  t.notOk(timeline.upsert(line('a', 1, 6)), 'a third copy changes nothing');
  t.notOk(timeline.upsert(line('a', 1, null)), 'a late direct copy changes nothing');
  t.equal(timeline.entries.length, 2);
});

t.test("lines are placed by the server's number, but never against their sender's order", async (t) => {
  const timeline = new ChatTimeline();
  timeline.upsert(line('a', 1, 1));
  timeline.upsert(line('a', 3, 3));
  timeline.upsert(line('a', 2, 2));
  t.same(texts(timeline), ['a1', 'a2', 'a3'], 'a line arriving late goes where its number says');

  const crossed = new ChatTimeline();
  // b's line 2 came straight over P2P; its line 1 only through the server, later.
  crossed.upsert(line('b', 2, null));
  crossed.upsert(line('c', 1, 10));
  crossed.upsert(line('b', 1, 9));
  t.same(texts(crossed), ['b1', 'b2', 'c1'], "b's first line goes before its second, wherever the second is");
  crossed.upsert(line('b', 3, 11));
  t.same(texts(crossed), ['b1', 'b2', 'c1', 'b3'], 'and a later one after it');
});

t.test('a timeline keeps its newest lines, and remembers dropped ones', async (t) => {
  const timeline = new ChatTimeline();
  for (let i = 1; i <= 2005; i++) timeline.upsert(line('a', i, i));
  t.equal(timeline.entries.length, 2000, 'at most 2000 lines');
  t.equal(timeline.entries[0]?.text, 'a6', 'the oldest went');
  t.notOk(timeline.upsert(line('a', 1, 1)), 'a late copy of a dropped line does not bring it back');
});

t.test('own lines: sending, then sent (or failed, and sent again)', async (t) => {
  const timeline = new ChatTimeline();
  const own = { ...line('me', 1, null), mine: true, status: 'sending' as const };
  timeline.upsert(own);
  t.ok(timeline.setStatus(own.key, 'failed', { id: own.id, code: 'RATE_LIMITED', message: 'slow down' }));
  t.equal(timeline.entries[0]?.status, 'failed');
  t.ok(timeline.setStatus(own.key, 'sending'));
  timeline.upsert({ ...own, seq: 4, status: 'sent' });
  t.equal(timeline.entries[0]?.status, 'sent', "the server's copy confirms it");
  t.equal(timeline.entries[0]?.error, null);
  t.notOk(timeline.setStatus(own.key, 'failed'), 'a confirmed line cannot fail afterwards');
});
