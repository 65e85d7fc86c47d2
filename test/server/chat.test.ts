/**
 * Chat over real data channels (libwebrtc in Node, real SCTP) through a real worker: every message
 * arrives once, in its sender's order, attributed by the server; late joiners get history; a path
 * switch in the middle of a burst loses and duplicates nothing; raised hands and reactions travel too.
 */
import t from 'tap';
import type { ChatEntry } from '../../client/src/chat/chat-timeline.js';
import { ChatPeer } from '../helpers/chat-peer.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/** The machine is shared and slow under load: wait long, assert nothing about time. */
const WAIT = { timeout: 90_000, interval: 50 };

/** Lines of a timeline grouped by sender, in the order shown. */
function linesBySender(entries: readonly ChatEntry[]): Map<string, string[]> {
  const bySender = new Map<string, string[]>();
  for (const entry of entries) {
    const lines = bySender.get(entry.sender) ?? [];
    lines.push(entry.text);
    bySender.set(entry.sender, lines);
  }
  return bySender;
}

function numbered(name: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${name} #${from + i}`);
}

t.test('3 peers x 100 messages over SCTP: each sees all 300 once, in per-sender order', async (t) => {
  // Limits raised so the burst is not paced: this is about delivery, the limits have their own test.
  const server = await startServer({ chatRateBurst: 1000, chatRatePerSecond: 1000 });
  t.teardown(() => server.close());
  const peers = await Promise.all(['Ada', 'Bo', 'Cy'].map((name) => ChatPeer.join(server.wsUrl, 'burst', name)));
  t.teardown(() => peers.forEach((peer) => peer.close()));
  for (const peer of peers) await waitFor(() => peer.link?.isOpen, { ...WAIT, message: `${peer.displayName}: chat link open` });
  // Until a peer's receive transport has its SCTP association up, the server sends it lines by
  // signaling (see the last test here); from then on, only by data channel.
  const room = server.app.rooms.rooms.get('burst');
  for (const peer of peers) {
    await waitFor(() => room?.peers.get(peer.peerId)?.transports.get(peer.recvTransport!.id)?.sctpState === 'connected', {
      ...WAIT,
      message: `${peer.displayName}: the relay's data channel to it is up`,
    });
  }

  // When each line first showed up at each peer, for the latency figures.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const peer of peers) {
    const seen = new Set<string>();
    peer.chat.events.on('timeline', (entries) => {
      const now = Date.now();
      for (const entry of entries) {
        if (seen.has(entry.key)) continue;
        seen.add(entry.key);
        const start = sentAt.get(entry.text);
        if (start !== undefined && !entry.mine) latencies.push(now - start);
      }
    });
  }

  const started = Date.now();
  const refusedLocally: string[] = [];
  for (let i = 0; i < 100; i++) {
    for (const peer of peers) {
      const text = `${peer.displayName} #${i}`;
      sentAt.set(text, Date.now());
      if (!peer.chat.sendText(text).ok) refusedLocally.push(text);
    }
  }
  t.same(refusedLocally, [], 'every send was taken');
  for (const peer of peers) {
    await waitFor(() => peer.chat.timeline.entries.length >= 300 && peer.chat.unconfirmed === 0, {
      ...WAIT,
      message: `${peer.displayName}: 300 lines, all own lines confirmed (has ${peer.chat.timeline.entries.length}, ${peer.chat.unconfirmed} unconfirmed)`,
    });
  }
  const elapsed = Date.now() - started;

  for (const peer of peers) {
    const entries = peer.chat.timeline.entries;
    t.equal(entries.length, 300, `${peer.displayName} shows exactly 300 lines`);
    t.equal(new Set(entries.map((entry) => entry.key)).size, 300, `${peer.displayName}: no line twice`);
    const bySender = linesBySender(entries);
    for (const sender of peers) {
      t.same(bySender.get(sender.peerId), numbered(sender.displayName, 100), `${peer.displayName} has ${sender.displayName}'s 100 lines in order`);
    }
    t.ok(entries.every((entry) => entry.status === 'sent' && entry.seq !== null), `${peer.displayName}: every line carries the server's stamp`);
    t.ok(
      entries.every((entry) => entry.senderName === peers.find((p) => p.peerId === entry.sender)?.displayName),
      `${peer.displayName}: every line carries its real sender's name`,
    );
    // Own lines show where they were typed; everyone else's follow the server's order.
    const others = entries.filter((entry) => !entry.mine);
    t.ok(others.every((entry, i) => i === 0 || (entry.seq ?? 0) > (others[i - 1]!.seq ?? 0)), `${peer.displayName}: others' lines in the server's order`);
  }
  t.same(peers[0]!.received.chatMessage ?? [], [], 'with a chat link open, nothing came over signaling');

  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  t.comment(
    `300 lines (600 deliveries + 300 confirmations) in ${elapsed} ms = ${Math.round((300 / elapsed) * 1000)} lines/s in; ` +
      `send-to-shown latency p50 ${percentile(50)} ms, p95 ${percentile(95)} ms, max ${latencies.at(-1)} ms (includes the burst's queueing)`,
  );

  // A late joiner gets the last 200 lines (the default history), oldest first, and nothing twice.
  const late = await ChatPeer.join(server.wsUrl, 'burst', 'Late');
  t.teardown(() => late.close());
  const history = late.chat.timeline.entries;
  t.equal(history.length, 200, 'the late joiner sees the last 200 lines');
  t.same(
    history.map((entry) => entry.seq),
    Array.from({ length: 200 }, (_, i) => 101 + i),
    'history is lines 101-300, in order',
  );
  await waitFor(() => late.link?.isOpen, { ...WAIT, message: 'late joiner: chat link open' });
  peers[0]!.chat.sendText('welcome, Late');
  await waitFor(() => late.chat.timeline.entries.length === 201, { ...WAIT, message: 'the late joiner gets new lines live' });
  t.equal(late.chat.timeline.entries.at(-1)?.text, 'welcome, Late');
});

t.test('a path switch in the middle of a burst loses nothing and repeats nothing', async (t) => {
  const server = await startServer({ chatRateBurst: 1000, chatRatePerSecond: 1000 });
  t.teardown(() => server.close());
  const ada = await ChatPeer.join(server.wsUrl, 'switch', 'Ada');
  const bo = await ChatPeer.join(server.wsUrl, 'switch', 'Bo');
  // Cy has no chat data channel at all: everything reaches Cy by signaling (as in P2P mode).
  const cy = await ChatPeer.join(server.wsUrl, 'switch', 'Cy', { link: false });
  t.teardown(() => [ada, bo, cy].forEach((peer) => peer.close()));
  for (const peer of [ada, bo]) await waitFor(() => peer.link?.isOpen, { ...WAIT, message: `${peer.displayName}: link open` });

  // Ada's data channel goes away mid-burst (as when a media path is torn down), then comes back.
  for (let i = 0; i < 40; i++) ada.chat.sendText(`Ada #${i}`);
  ada.link?.close();
  for (let i = 40; i < 80; i++) ada.chat.sendText(`Ada #${i}`);
  await ada.openLink();
  for (let i = 80; i < 120; i++) ada.chat.sendText(`Ada #${i}`);
  for (let i = 0; i < 30; i++) cy.chat.sendText(`Cy #${i}`);

  for (const peer of [ada, bo, cy]) {
    await waitFor(() => peer.chat.timeline.entries.length >= 150 && peer.chat.unconfirmed === 0, {
      ...WAIT,
      message: `${peer.displayName}: 150 lines (has ${peer.chat.timeline.entries.length}, ${peer.chat.unconfirmed} unconfirmed)`,
    });
    const bySender = linesBySender(peer.chat.timeline.entries);
    t.equal(peer.chat.timeline.entries.length, 150, `${peer.displayName}: exactly 150 lines`);
    t.same(bySender.get(ada.peerId), numbered('Ada', 120), `${peer.displayName}: Ada's 120 lines once each, in order`);
    t.same(bySender.get(cy.peerId), numbered('Cy', 30), `${peer.displayName}: Cy's 30 lines (sent by signaling) in order`);
  }
  const room = server.app.rooms.rooms.get('switch');
  t.equal(room?.chat.snapshot().latestSeq, 150, 'the server posted 150 messages: repeats were recognised, not posted again');
});

t.test('raised hands and reactions reach everyone, late joiners see hands, leaving lowers them', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const ada = await ChatPeer.join(server.wsUrl, 'hands', 'Ada');
  const bo = await ChatPeer.join(server.wsUrl, 'hands', 'Bo');
  t.teardown(() => [ada, bo].forEach((peer) => peer.close()));
  await waitFor(() => ada.link?.isOpen && bo.link?.isOpen, { ...WAIT, message: 'links open' });

  const reactions: string[] = [];
  bo.chat.events.on('reaction', ({ peerId, emoji }) => reactions.push(`${peerId === ada.peerId ? 'Ada' : peerId} ${emoji}`));
  t.same(ada.chat.setHand(true), { ok: true });
  t.same(ada.chat.react('🎉'), { ok: true });
  await waitFor(() => bo.chat.raisedHands.has(ada.peerId), { ...WAIT, message: "Bo sees Ada's hand up" });
  await waitFor(() => reactions.length > 0, { ...WAIT, message: "Bo sees Ada's reaction" });
  t.same(reactions, ['Ada 🎉'], 'the reaction arrives once');

  const cy = await ChatPeer.join(server.wsUrl, 'hands', 'Cy', { link: false });
  t.teardown(() => cy.close());
  t.ok(cy.chat.raisedHands.has(ada.peerId), "a late joiner sees Ada's hand up at once (snapshot)");

  ada.chat.setHand(false);
  await waitFor(() => !bo.chat.raisedHands.has(ada.peerId) && !cy.chat.raisedHands.has(ada.peerId), { ...WAIT, message: 'the hand comes down for both' });
  bo.chat.setHand(true);
  await waitFor(() => cy.chat.raisedHands.has(bo.peerId), { ...WAIT, message: "Cy sees Bo's hand" });
  bo.close();
  const room = server.app.rooms.rooms.get('hands');
  await waitFor(() => room && room.peers.size === 2, { ...WAIT, message: 'Bo has left' });
  t.same(room?.chat.snapshot().raisedHands, [], 'leaving lowers the hand on the server');
});

t.test('a peer subscribed to the relay whose receive transport is not connected yet still gets every line', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const ada = await ChatPeer.join(server.wsUrl, 'early', 'Ada');
  // Bo asks for his relay DataConsumer but has not consumed it yet, so his receive transport has not
  // connected: the window a busy browser spends between `consumeChat` and its SCTP association.
  const bo = await ChatPeer.join(server.wsUrl, 'early', 'Bo', { link: false });
  t.teardown(() => [ada, bo].forEach((peer) => peer.close()));
  await bo.signal.request('consumeChat', { transportId: bo.recvTransport!.id });
  await waitFor(() => ada.link?.isOpen, { ...WAIT, message: "Ada's chat link open" });

  t.same(ada.chat.sendText('are you there?'), { ok: true });
  const line = await waitFor(() => bo.received.chatMessage?.find((m) => m.kind === 'chat' && m.text === 'are you there?'), {
    ...WAIT,
    message: 'Bo gets the line by signaling while his data channel cannot carry it',
  });
  t.equal(line.sender, ada.peerId, "attributed to Ada by the server");
});
