/**
 * A meeting participant without a browser: the client's real SignalClient over a real WebSocket, and
 * mediasoup-client's Device with its FakeHandler (no media, real negotiation). It drives the same
 * request sequence as the browser app, so server tests exercise the real protocol end to end.
 */
import WebSocket from 'ws';
import { Device } from 'mediasoup-client';
import type { Consumer, Producer, RtpCapabilities, Transport } from 'mediasoup-client/types';
import { FakeHandler } from 'mediasoup-client/handlers/FakeHandler';
import * as fakeParameters from 'mediasoup-client/fakeParameters';
import { FakeMediaStreamTrack } from 'fake-mediastreamtrack';
import type { ServerNotificationMethod, ServerNotifications, ServerRequests } from '../../protocol/server-messages.js';
import type { MediaSource } from '../../protocol/media.js';
import type { PeerInfo } from '../../protocol/peer.js';
import type { ClientResponseData, ResumedSession } from '../../protocol/requests.js';
import type { HeartbeatOptions } from '../../client/src/signal/heartbeat.js';
import { joinFollowingMoves } from '../../client/src/signal/cluster-join.js';
import { SignalClient } from '../../client/src/signal/signal-client.js';

// The client is written against the browser's WebSocket; ws implements the same interface in Node.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

type NotificationLog = { [M in ServerNotificationMethod]: ServerNotifications[M][] };

export interface RemoteConsumer {
  consumer: Consumer;
  info: ServerRequests['newConsumer']['data'];
}

export class FakePeer {
  readonly signal: SignalClient;
  /** Replaced when media is set up again after the server's router changed. */
  device: Device;
  readonly peerId: string;
  readonly peersAtJoin: PeerInfo[];
  readonly consumers = new Map<string, RemoteConsumer>();
  readonly producers = new Map<MediaSource, Producer>();
  readonly notifications: NotificationLog = {
    peerJoined: [], peerLeft: [], consumerClosed: [], consumerPaused: [], consumerResumed: [], producerClosed: [], error: [],
    activeSpeaker: [], connectionQuality: [], consumerLayersChanged: [],
    chatMessage: [], chatRejected: [],
    p2pStart: [], p2pActive: [], p2pStop: [], p2pClose: [], p2pSignal: [], peerMuted: [],
    mediaReset: [],
    peerUpdated: [], mutedByModerator: [], roomAccessChanged: [], lobbyChanged: [], knockAnswered: [],
  };
  /** What the server granted at join (token or open room). */
  readonly joined: ClientResponseData['join'];
  readonly roomId: string;
  /** The secret for the next `resume` (each one is spent by use). */
  resumeToken: string;
  resumeGraceMs: number;
  /** Successful resumes so far, and what the last one reported. */
  resumes = 0;
  lastResume: ResumedSession | undefined;
  /** Media set up again after `mediaReset` (or a resume that found the transports gone). */
  mediaRestarts = 0;
  /** Why catching up after a resume failed, if it did. */
  recoveryError: unknown;
  /** Consumers being set up (id -> peer id), and those of them cancelled meanwhile. */
  /** How many of the next `newConsumer` requests go unanswered (a slow client). */
  ignoreNewConsumers = 0;
  readonly #settingUp = new Map<string, string>();
  readonly #cancelled = new Set<string>();
  sendTransport: Transport | undefined;
  recvTransport: Transport | undefined;

  private constructor(signal: SignalClient, device: Device, roomId: string, joined: ClientResponseData['join']) {
    this.signal = signal;
    this.device = device;
    this.roomId = roomId;
    this.peerId = joined.peerId;
    this.peersAtJoin = joined.peers;
    this.joined = joined;
    this.resumeToken = joined.resumeToken;
    this.resumeGraceMs = joined.resumeGraceMs;
    signal.on('mediaReset', ({ routerRtpCapabilities }) => void this.#restartMedia(routerRtpCapabilities));
    for (const method of Object.keys(this.notifications) as ServerNotificationMethod[]) {
      signal.on(method, (data) => (this.notifications[method] as unknown[]).push(data));
    }
    signal.on('consumerClosed', ({ consumerId }) => {
      if (this.#settingUp.has(consumerId)) this.#cancelled.add(consumerId);
      this.consumers.get(consumerId)?.consumer.close();
      this.consumers.delete(consumerId);
    });
    signal.on('peerLeft', ({ peerId }) => {
      for (const [id, owner] of this.#settingUp) if (owner === peerId) this.#cancelled.add(id);
      for (const [id, remote] of this.consumers) if (remote.info.peerId === peerId) this.consumers.delete(id);
    });
  }

  /** Connects and joins; with `media: true` also sets up both transports and declares capabilities. */
  static async join(
    wsUrl: string,
    roomId: string,
    displayName: string,
    options: {
      media?: boolean;
      muted?: { mic: boolean; camera: boolean };
      /** Reconnect and resume like the app does when the socket breaks (default true). */
      resume?: boolean;
      heartbeat?: HeartbeatOptions;
      /** A join token (server/auth/join-token.ts). */
      token?: string;
    } = {},
  ): Promise<FakePeer> {
    const signal = await SignalClient.connect(wsUrl, options.heartbeat ? { heartbeat: options.heartbeat } : {});
    // Follows MOVED like the app does, so it can enter through any node of a cluster.
    const joined = await joinFollowingMoves(signal, {
        roomId,
        displayName,
        ...(options.muted ? { muted: options.muted } : {}),
        ...(options.token ? { token: options.token } : {}),
      })
      .catch((error: unknown) => {
        signal.close();
        throw error;
      });
    const device = new Device({ handlerFactory: FakeHandler.createFactory(fakeParameters) });
    await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
    const peer = new FakePeer(signal, device, roomId, joined);
    if ((options.resume ?? true) && joined.resumeGraceMs > 0) {
      signal.enableReconnect({ giveUpAfterMs: joined.resumeGraceMs, resume: () => peer.#resume() });
      signal.onReconnected(() => void peer.#catchUp().catch((error: unknown) => (peer.recoveryError = error)));
    }
    if (options.media ?? true) await peer.setUpMedia();
    return peer;
  }

  async setUpMedia(): Promise<void> {
    this.signal.handle('newConsumer', async (info) => {
      // A client too busy to answer: the request waits forever (the server gives up on it).
      if (this.ignoreNewConsumers > 0) {
        this.ignoreNewConsumers--;
        return new Promise<never>(() => undefined);
      }
      if (!this.recvTransport) throw new Error('no receive transport');
      this.#settingUp.set(info.consumerId, info.peerId);
      const consumer = await this.recvTransport.consume({
        id: info.consumerId,
        producerId: info.producerId,
        kind: info.kind,
        rtpParameters: info.rtpParameters,
      });
      this.#settingUp.delete(info.consumerId);
      // Closed by the server, or its peer left, while it was being set up: it must not linger here.
      if (this.#cancelled.delete(info.consumerId)) {
        consumer.close();
        throw new Error('the consumer was closed while it was set up');
      }
      this.consumers.set(info.consumerId, { consumer, info });
      return {};
    });
    this.sendTransport = await this.#createTransport('send');
    this.recvTransport = await this.#createTransport('recv');
    await this.signal.request('setCapabilities', {
      rtpCapabilities: this.device.rtpCapabilities,
      sctpCapabilities: this.device.sctpCapabilities,
    });
  }

  async produce(source: 'mic' | 'camera'): Promise<Producer> {
    if (!this.sendTransport) throw new Error('no send transport');
    const kind = source === 'mic' ? 'audio' : 'video';
    const track = new FakeMediaStreamTrack({ kind }) as unknown as MediaStreamTrack;
    // Three simulcast layers for the camera, as the browser app sends.
    const encodings = kind === 'video' ? [{ maxBitrate: 150_000 }, { maxBitrate: 500_000 }, { maxBitrate: 1_200_000 }] : undefined;
    const producer = await this.sendTransport.produce({ track, encodings, appData: { source } });
    this.producers.set(source, producer);
    return producer;
  }

  /** Remote consumers grouped by the peer whose media they carry. */
  consumersFrom(peerId: string): RemoteConsumer[] {
    return [...this.consumers.values()].filter((remote) => remote.info.peerId === peerId);
  }

  async leave(): Promise<void> {
    await this.signal.request('leave', {});
    this.close();
  }

  close(): void {
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.signal.close();
  }

  async #resume(): Promise<void> {
    const resumed = await this.signal.request('resume', { roomId: this.roomId, peerId: this.peerId, resumeToken: this.resumeToken });
    this.resumeToken = resumed.resumeToken;
    this.lastResume = resumed;
    // Right away, before any `newConsumer` sent after the answer is handled: drop what the server no
    // longer has (consumers made after the answer are not in its list, and must stay).
    const live = new Set(resumed.consumers.map((c) => c.consumerId));
    for (const id of this.#settingUp.keys()) if (!live.has(id)) this.#cancelled.add(id);
    for (const [id, remote] of this.consumers) {
      if (!live.has(id)) {
        remote.consumer.close();
        this.consumers.delete(id);
      }
    }
  }

  /** After a resume, what the app does: restart ICE, or set media up again if the transports died. */
  async #catchUp(): Promise<void> {
    const resumed = this.lastResume;
    if (!resumed) return;
    const transports = [this.sendTransport, this.recvTransport].filter((t): t is Transport => t !== undefined);
    if (transports.some((transport) => !resumed.transportIds.includes(transport.id))) {
      await this.#restartMedia(resumed.routerRtpCapabilities);
    } else {
      for (const transport of transports) {
        const { iceParameters } = await this.signal.request('restartIce', { transportId: transport.id });
        await transport.restartIce({ iceParameters });
      }
    }
    this.resumes++;
  }

  /** The server's router changed: new device, new transports, same sources produced again. */
  async #restartMedia(routerRtpCapabilities: RtpCapabilities): Promise<void> {
    const sources = [...this.producers.keys()];
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.producers.clear();
    for (const remote of this.consumers.values()) remote.consumer.close();
    this.consumers.clear();
    this.device = new Device({ handlerFactory: FakeHandler.createFactory(fakeParameters) });
    await this.device.load({ routerRtpCapabilities });
    await this.setUpMedia();
    for (const source of sources) {
      if (source === 'mic' || source === 'camera') await this.produce(source);
    }
    this.mediaRestarts++;
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<Transport> {
    const options = await this.signal.request('createTransport', { direction, sctp: true });
    const transportOptions = { id: options.transportId, ...options };
    const transport =
      direction === 'send' ? this.device.createSendTransport(transportOptions) : this.device.createRecvTransport(transportOptions);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.signal.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      this.signal
        .request('produce', { transportId: transport.id, kind, rtpParameters, source: appData.source as MediaSource })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
    return transport;
  }
}
