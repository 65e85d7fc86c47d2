/**
 * The usual start of a server test about what one peer receives from another: a real server in this
 * process with Alice and Bob (FakePeers) in one room, all closed when the test ends.
 */
import type { Test } from 'tap';
import type { RemoteConsumer } from './fake-peer.js';
import { FakePeer } from './fake-peer.js';
import { startServer, type TestServer } from './server.js';
import { waitFor } from './wait.js';

export interface FakePair {
  server: TestServer;
  alice: FakePeer;
  bob: FakePeer;
}

export async function startFakePair(t: Test, room: string): Promise<FakePair> {
  const server = await startServer();
  t.teardown(() => server.close());
  const alice = await FakePeer.join(server.wsUrl, room, 'Alice');
  t.teardown(() => alice.close());
  const bob = await FakePeer.join(server.wsUrl, room, 'Bob');
  t.teardown(() => bob.close());
  return { server, alice, bob };
}

/** Alice sends her camera; resolves with Bob's consumer of it and a reader of its server side. */
export async function bobReceivesAliceCamera({ server, alice, bob }: FakePair, room: string) {
  await alice.produce('camera');
  await waitFor(() => bob.consumersFrom(alice.peerId).length === 1, { message: "Bob to consume Alice's camera" });
  const { consumer } = bob.consumersFrom(alice.peerId)[0] as RemoteConsumer;
  const onServer = () => server.app.rooms.rooms.get(room)?.peers.get(bob.peerId)?.consumers.get(consumer.id);
  return { consumer, onServer };
}
