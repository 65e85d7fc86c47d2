/**
 * A pipe that carries chat frames (JSON text), whatever it is made of. The chat client sends on and
 * listens to every open link and never knows more about them than this:
 * - `server`: to and from the server, which stamps and relays (the SFU chat DataProducer/DataConsumer);
 * - `peer`: straight to and from one other browser (the P2P RTCDataChannel labelled `chat`).
 */
import type { Emitter } from '../util/emitter.js';

export interface ChatLinkEvents {
  open: [];
  /** Closed for good; a new link replaces it. */
  close: [];
  /** One frame as it arrived (not yet checked). */
  message: [data: string | ArrayBuffer | Blob];
}

export interface ChatLink {
  readonly kind: 'server' | 'peer';
  /** For a `peer` link: the peer id of the browser at the other end (set by signaling, not by it). */
  readonly remotePeerId: string | null;
  /** Whether `send` delivers now. */
  readonly isOpen: boolean;
  readonly events: Emitter<ChatLinkEvents>;
  send(json: string): void;
  close(): void;
}
