/**
 * A chat participant without a browser but with real SCTP: libwebrtc in Node (@roamhq/wrtc) under
 * mediasoup-client's Chrome111 handler, the client's own SignalClient, SfuChatLink and ChatClient.
 * So integration tests run the same chat code the page runs, over real data channels, against a
 * real worker. `rawChannel()` opens a second DataProducer for sending anything at all (hostile tests).
 */
import wrtc from '@roamhq/wrtc';
import WebSocket from 'ws';
import { Device } from 'mediasoup-client';
import type { DataProducer, Transport } from 'mediasoup-client/types';
import { CHAT_LABEL } from '../../protocol/chat.js';
import { ChatClient } from '../../client/src/chat/chat-client.js';
import type { ChatLink } from '../../client/src/chat/chat-link.js';
import { SfuChatLink } from '../../client/src/chat/sfu-chat-link.js';
import { SignalClient } from '../../client/src/signal/signal-client.js';
import type { ServerNotificationMethod, ServerNotifications } from '../../protocol/server-messages.js';

// mediasoup-client's handler and the client code use the browser's globals.
const globals = globalThis as Record<string, unknown>;
globals.WebSocket ??= WebSocket;
for (const name of ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate', 'RTCDataChannel'] as const) {
  globals[name] ??= (wrtc as Record<string, unknown>)[name];
}
// The handler makes a MediaStream for sending tracks, which data channels never use. wrtc's own
// MediaStream crashes the process when it is finalized at exit (in node::BaseObject::DeleteMe), so
// a plain stand-in takes its place.
globals.MediaStream ??= class MediaStream {};

export interface ChatPeerOptions {
  /**
   * Open the SFU chat link (default). Without it the peer still has its transports (for
   * `rawChannel()`) but its ChatClient sends over signaling, as when no data channel is open.
   */
  link?: boolean;
}

export class ChatPeer {
  readonly signal: SignalClient;
  readonly peerId: string;
  readonly displayName: string;
  readonly chat: ChatClient;
  readonly device: Device;
  sendTransport: Transport | undefined;
  recvTransport: Transport | undefined;
  link: ChatLink | undefined;
  readonly received: { [M in ServerNotificationMethod]?: ServerNotifications[M][] } = {};

  private constructor(signal: SignalClient, peerId: string, displayName: string, device: Device, names: Map<string, string>) {
    this.signal = signal;
    this.peerId = peerId;
    this.displayName = displayName;
    this.device = device;
    this.chat = new ChatClient({ signal, selfId: peerId, nameOf: (id) => names.get(id) ?? 'Guest' });
    for (const method of ['chatMessage', 'chatRejected', 'error'] as const) {
      signal.on(method, (data) => ((this.received[method] ??= []) as unknown[]).push(data));
    }
  }

  static async join(wsUrl: string, roomId: string, displayName: string, options: ChatPeerOptions = {}): Promise<ChatPeer> {
    const signal = await SignalClient.connect(wsUrl);
    const joined = await signal.request('join', { roomId, displayName });
    const names = new Map(joined.peers.map((peer) => [peer.id, peer.displayName]));
    names.set(joined.peerId, displayName);
    signal.on('peerJoined', ({ peer }) => names.set(peer.id, peer.displayName));
    const device = new Device({ handlerName: 'Chrome111' });
    await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
    const peer = new ChatPeer(signal, joined.peerId, displayName, device, names);
    await peer.chat.start();
    await peer.#setUpTransports(device);
    if (options.link ?? true) await peer.openLink();
    return peer;
  }

  /**
   * A second chat DataProducer on this peer's send transport that sends whatever it is given; the
   * server reads it like the real one (it replaces the real one as this peer's chat producer).
   */
  async rawChannel(): Promise<DataProducer> {
    if (!this.sendTransport) throw new Error('no send transport');
    const producer = await this.sendTransport.produceData({ label: CHAT_LABEL, ordered: true });
    if (producer.readyState !== 'open') await new Promise<void>((resolve) => producer.once('open', () => resolve()));
    return producer;
  }

  close(): void {
    this.chat.close();
    this.link?.close();
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.signal.close();
  }

  /** Opens the SFU chat link (again, e.g. after closing it) and hands it to the ChatClient. */
  async openLink(): Promise<ChatLink> {
    if (!this.sendTransport || !this.recvTransport) throw new Error('no transports');
    const link = await SfuChatLink.open(this.signal, this.sendTransport, this.recvTransport);
    this.link = link;
    this.chat.addLink(link);
    return link;
  }

  async #setUpTransports(device: Device): Promise<void> {
    this.sendTransport = await this.#createTransport(device, 'send');
    this.recvTransport = await this.#createTransport(device, 'recv');
    await this.signal.request('setCapabilities', { rtpCapabilities: device.rtpCapabilities, sctpCapabilities: device.sctpCapabilities });
  }

  async #createTransport(device: Device, direction: 'send' | 'recv'): Promise<Transport> {
    const options = await this.signal.request('createTransport', { direction, sctp: true });
    const params = { id: options.transportId, ...options };
    const transport = direction === 'send' ? device.createSendTransport(params) : device.createRecvTransport(params);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.signal.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    transport.on('producedata', ({ sctpStreamParameters, label, protocol }, callback, errback) => {
      this.signal
        .request('produceData', { transportId: transport.id, sctpStreamParameters, label: label as 'chat', protocol })
        .then(({ dataProducerId }) => callback({ id: dataProducerId }), errback);
    });
    return transport;
  }
}
