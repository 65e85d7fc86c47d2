/**
 * How the forwarding benchmark drives an SFU under test that runs in its own process (so its Node CPU
 * and its worker's CPU are its own): a few IPC messages over Node's child-process channel.
 *
 * Topology, the same for every target: `viewers` receivers (each one receive transport or forwarder
 * set, SRTP towards the sink) and producers added step by step; every viewer receives every producer,
 * so N producers × M viewers = N×M forwarded streams.
 */
import type { Suite } from './packet-engine.js';

export type TargetRequest =
  | { type: 'init'; viewers: number; sinkPort: number; suite: Suite }
  | { type: 'addProducers'; count: number }
  | { type: 'close' };

export interface ProducerEndpoint {
  /** Where the sender sends this producer's SRTP, with this SSRC and key. */
  port: number;
  ssrc: number;
  keyBase64: string;
  /** What each viewer's consumer of it sends to the sink. */
  consumers: Array<{ ssrc: number; keyBase64: string }>;
}

export type TargetReply =
  | { type: 'ready'; workerPid: number; label: string }
  | { type: 'producersAdded'; producers: ProducerEndpoint[] }
  | { type: 'error'; message: string };

/** Child side: answers requests with `handle`, one at a time, and exits on `close` or a lost parent. */
export function serveTarget(handle: (request: Exclude<TargetRequest, { type: 'close' }>) => Promise<TargetReply>, close: () => Promise<void>): void {
  if (!process.send) throw new Error('a forwarding target runs as a child process with an IPC channel');
  let queue = Promise.resolve();
  const shutdown = () => {
    queue = queue.then(close).finally(() => process.exit(0));
  };
  process.on('disconnect', shutdown);
  process.on('message', (message: TargetRequest) => {
    if (message.type === 'close') return shutdown();
    queue = queue.then(async () => {
      try {
        process.send!(await handle(message));
      } catch (error) {
        process.send!({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies TargetReply);
      }
    });
  });
}
