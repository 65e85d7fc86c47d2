/**
 * A chat link over a direct RTCDataChannel between the two browsers of a P2P call. The other end is
 * the peer the server paired us with (it relayed the SDP), so what arrives here is attributed to that
 * peer, whatever the frame claims.
 */
import { Emitter } from '../util/emitter.js';
import type { ChatLink, ChatLinkEvents } from './chat-link.js';

export class PeerChatLink implements ChatLink {
  readonly kind = 'peer';
  readonly remotePeerId: string;
  readonly events = new Emitter<ChatLinkEvents>();
  readonly #channel: RTCDataChannel;
  #closed = false;

  constructor(remotePeerId: string, channel: RTCDataChannel) {
    this.remotePeerId = remotePeerId;
    this.#channel = channel;
    channel.addEventListener('open', this.#onOpen);
    channel.addEventListener('close', this.#onClose);
    channel.addEventListener('message', this.#onMessage);
    if (channel.readyState === 'closing' || channel.readyState === 'closed') queueMicrotask(() => this.#onClose());
  }

  get isOpen(): boolean {
    return !this.#closed && this.#channel.readyState === 'open';
  }

  send(json: string): void {
    if (this.isOpen) this.#channel.send(json);
  }

  /** Stops listening. The channel itself belongs to the P2P session, which closes it. */
  close(): void {
    this.#onClose();
  }

  readonly #onOpen = (): void => {
    if (!this.#closed) this.events.emit('open');
  };

  readonly #onMessage = (event: MessageEvent): void => {
    if (!this.#closed) this.events.emit('message', event.data as string | ArrayBuffer | Blob);
  };

  readonly #onClose = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.removeEventListener('open', this.#onOpen);
    this.#channel.removeEventListener('close', this.#onClose);
    this.#channel.removeEventListener('message', this.#onMessage);
    this.events.emit('close');
    this.events.removeAllListeners();
  };
}
