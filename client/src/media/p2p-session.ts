/**
 * One direct RTCPeerConnection with the other browser of a two-person room. Signaling (offer, answer,
 * ICE candidates) goes through the server; media and the `chat` data channel go straight across.
 *
 * Every source gets its transceiver up front (mic, camera, screen, screen audio), negotiated once by the
 * offerer: turning a camera off and on, switching devices or starting a screen share later is a
 * `replaceTrack` on the right sender, never a renegotiation, so nothing can glare and nothing re-offers.
 *
 * It knows nothing about the SFU or the UI; the MediaCoordinator decides what is shown from where.
 */
import type { MediaSource } from '../../../protocol/media.js';
import type { IceServer, P2PSignal } from '../../../protocol/p2p.js';
import { Emitter } from '../util/emitter.js';
import type { InboundStats } from './media-session.js';
import { inboundStats } from './rtc-stats.js';

/** The transceivers, in the order the offerer creates them. */
const P2P_SOURCES: ReadonlyArray<readonly [MediaSource, 'audio' | 'video']> = [
  ['mic', 'audio'],
  ['camera', 'video'],
  ['screen', 'video'],
  ['screen-audio', 'audio'],
];

/** Roughly the SFU's top simulcast layer: a 1:1 call gets the full picture, but no more. */
const MAX_BITRATE: Partial<Record<MediaSource, number>> = { camera: 1_500_000, screen: 2_500_000 };

/** How long ICE may stay `disconnected` before the connection counts as lost (it often recovers). */
const DISCONNECTED_GRACE_MS = 1500;

export type P2PRole = 'offerer' | 'answerer';

export interface P2PSessionOptions {
  sessionId: string;
  role: P2PRole;
  remotePeerId: string;
  iceServers: IceServer[];
  iceTransportPolicy: 'all' | 'relay';
  /** Sends a signal to the other browser through the server. */
  send: (signal: P2PSignal) => Promise<unknown>;
  /** What to send from the start, per source (null: nothing yet). */
  tracks: ReadonlyMap<MediaSource, MediaStreamTrack | null>;
}

export interface P2PSessionEvents {
  /** The connection failed (`connection-failed`), was lost (`connection-lost`) or could not be set up (`negotiation-failed`). */
  failed: [reason: string];
  /** RTCPeerConnection.connectionState changed. */
  connectionState: [RTCPeerConnectionState];
  /** The `chat` data channel exists (it may not be open yet). */
  chatChannel: [RTCDataChannel];
}

/** One end of the connection's selected ICE candidate pair. */
export interface CandidateInfo {
  address: string;
  port: number;
  candidateType: string;
  protocol: string;
}

export interface P2PConnectionInfo {
  connectionState: RTCPeerConnectionState;
  iceConnectionState: RTCIceConnectionState;
  selectedPair: { local: CandidateInfo; remote: CandidateInfo; currentRoundTripTime?: number } | null;
  /** Voice levels (0..1) the active speaker detection sees: this browser's mic and the other's. */
  audioLevels: { local: number; remote: number };
}

export class P2PSession {
  readonly events = new Emitter<P2PSessionEvents>();
  readonly sessionId: string;
  readonly role: P2PRole;
  readonly remotePeerId: string;
  readonly #pc: RTCPeerConnection;
  readonly #send: P2PSessionOptions['send'];
  readonly #transceivers = new Map<MediaSource, RTCRtpTransceiver>();
  readonly #tracks = new Map<MediaSource, MediaStreamTrack | null>();
  // Tracks sharing a stream are played in sync: mic with camera, screen audio with screen.
  readonly #userStream = new MediaStream();
  readonly #screenStream = new MediaStream();
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #remoteDescriptionSet = false;
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #failed = false;
  #closed = false;

  constructor(options: P2PSessionOptions) {
    this.sessionId = options.sessionId;
    this.role = options.role;
    this.remotePeerId = options.remotePeerId;
    this.#send = options.send;
    for (const [source, track] of options.tracks) this.#tracks.set(source, track);
    this.#pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.iceTransportPolicy,
      // One transport for everything: one set of candidates, one DTLS handshake.
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    this.#pc.addEventListener('icecandidate', (event) => {
      const candidate = event.candidate ? event.candidate.toJSON() : null;
      this.#signal({ type: 'candidate', candidate: candidate ? cleanCandidate(candidate) : null });
    });
    this.#pc.addEventListener('connectionstatechange', () => this.#onConnectionState());
    this.#pc.addEventListener('datachannel', (event) => {
      if (event.channel.label === 'chat') this.events.emit('chatChannel', event.channel);
      else event.channel.close();
    });
  }

  /** The offerer creates the transceivers and the chat channel and sends its offer; the answerer waits. */
  async start(): Promise<void> {
    if (this.role !== 'offerer') return;
    try {
      for (const [source, kind] of P2P_SOURCES) {
        const maxBitrate = MAX_BITRATE[source];
        const transceiver = this.#pc.addTransceiver(kind, {
          direction: 'sendrecv',
          streams: [this.#streamOf(source)],
          ...(maxBitrate ? { sendEncodings: [{ maxBitrate }] } : {}),
        });
        this.#transceivers.set(source, transceiver);
        await transceiver.sender.replaceTrack(this.#tracks.get(source) ?? null);
      }
      this.events.emit('chatChannel', this.#pc.createDataChannel('chat', { ordered: true }));
      const offer = await this.#pc.createOffer();
      await this.#pc.setLocalDescription(offer);
      const sources = [...this.#transceivers].flatMap(([source, transceiver]) => (transceiver.mid ? [{ mid: transceiver.mid, source }] : []));
      this.#signal({ type: 'description', description: { type: 'offer', sdp: offer.sdp ?? '' }, sources });
    } catch (error) {
      console.warn('p2p: negotiation failed', error);
      this.#fail('negotiation-failed');
    }
  }

  /** A description or candidate from the other browser. */
  async handleSignal(signal: P2PSignal): Promise<void> {
    if (this.#closed) return;
    try {
      if (signal.type === 'candidate') {
        if (!signal.candidate) return; // end of candidates: nothing to do
        if (this.#remoteDescriptionSet) await this.#pc.addIceCandidate(signal.candidate);
        else this.#pendingCandidates.push(signal.candidate);
        return;
      }
      const { description } = signal;
      if (description.type === 'offer' && this.role === 'answerer') {
        await this.#pc.setRemoteDescription(description);
        await this.#remoteDescriptionApplied();
        await this.#takeTransceivers(signal.sources ?? []);
        const answer = await this.#pc.createAnswer();
        await this.#pc.setLocalDescription(answer);
        this.#signal({ type: 'description', description: { type: 'answer', sdp: answer.sdp ?? '' } });
        await this.#applyBitrates();
      } else if (description.type === 'answer' && this.role === 'offerer') {
        await this.#pc.setRemoteDescription(description);
        await this.#remoteDescriptionApplied();
      }
      // Anything else (an offer to the offerer, an answer to the answerer) cannot come from a
      // well-behaved peer; ignoring it keeps the connection as it is.
    } catch (error) {
      console.warn('p2p: negotiation failed', error);
      this.#fail('negotiation-failed');
    }
  }

  /** Sends `track` for `source` (null: send nothing). Before negotiation it is kept for later. */
  async setTrack(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
    this.#tracks.set(source, track);
    const transceiver = this.#transceivers.get(source);
    if (!transceiver || this.#closed) return;
    await transceiver.sender.replaceTrack(track);
  }

  /** The track receiving the other browser's `source`; null before negotiation. */
  remoteTrack(source: MediaSource): MediaStreamTrack | null {
    return this.#transceivers.get(source)?.receiver.track ?? null;
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#pc.connectionState;
  }

  /**
   * How much of the other browser's `source` has arrived: frames decoded (video) or packets received
   * (audio). Rises only while media really flows; null before negotiation.
   */
  async receivedCount(source: MediaSource): Promise<number | null> {
    const transceiver = this.#transceivers.get(source);
    if (!transceiver || this.#closed) return null;
    const [stats] = inboundStats(await transceiver.receiver.getStats(), { peerId: this.remotePeerId, consumerId: '', kind: transceiver.receiver.track.kind as 'audio' | 'video' });
    if (!stats) return 0;
    return stats.kind === 'video' ? (stats.framesDecoded ?? 0) : stats.packetsReceived;
  }

  /** Inbound statistics of `source`, labelled with the room's track id for it. */
  async inboundStatsOf(source: MediaSource, trackId: string): Promise<InboundStats[]> {
    const transceiver = this.#transceivers.get(source);
    if (!transceiver || this.#closed) return [];
    const kind = transceiver.receiver.track.kind as 'audio' | 'video';
    const report = await transceiver.receiver.getStats();
    return inboundStats(report, { peerId: this.remotePeerId, consumerId: trackId, kind, source });
  }

  /** The other browser's voice level now (0..1, from the RTP audio-level extension). */
  remoteAudioLevel(): number {
    const receiver = this.#transceivers.get('mic')?.receiver;
    return receiver?.getSynchronizationSources()[0]?.audioLevel ?? 0;
  }

  /** This browser's own microphone level as sent (0..1); 0 while muted. */
  async localAudioLevel(): Promise<number> {
    const sender = this.#transceivers.get('mic')?.sender;
    if (!sender?.track || this.#closed) return 0;
    let level = 0;
    (await sender.getStats()).forEach((entry: Record<string, unknown>) => {
      if (entry.type === 'media-source' && typeof entry.audioLevel === 'number') level = entry.audioLevel;
    });
    return level;
  }

  /** Connection state and the selected candidate pair, for the debug view and the tests. */
  async info(): Promise<P2PConnectionInfo> {
    const base = { connectionState: this.#pc.connectionState, iceConnectionState: this.#pc.iceConnectionState };
    const audioLevels = { local: await this.localAudioLevel().catch(() => 0), remote: this.remoteAudioLevel() };
    if (this.#closed) return { ...base, selectedPair: null, audioLevels };
    const report = await this.#pc.getStats();
    return { ...base, selectedPair: selectedPairOf(report), audioLevels };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#disconnectedTimer);
    this.#pc.close();
    this.events.removeAllListeners();
  }

  async #remoteDescriptionApplied(): Promise<void> {
    this.#remoteDescriptionSet = true;
    const pending = this.#pendingCandidates;
    this.#pendingCandidates = [];
    for (const candidate of pending) await this.#pc.addIceCandidate(candidate);
  }

  /** The answerer finds the offerer's transceivers by mid and starts sending on them too. */
  async #takeTransceivers(sources: ReadonlyArray<{ mid: string; source: MediaSource }>): Promise<void> {
    for (const { mid, source } of sources) {
      const transceiver = this.#pc.getTransceivers().find((candidate) => candidate.mid === mid);
      const kind = P2P_SOURCES.find(([known]) => known === source)?.[1];
      if (!transceiver || !kind || transceiver.receiver.track.kind !== kind || this.#transceivers.has(source)) continue;
      transceiver.direction = 'sendrecv';
      transceiver.sender.setStreams(this.#streamOf(source));
      this.#transceivers.set(source, transceiver);
      await transceiver.sender.replaceTrack(this.#tracks.get(source) ?? null);
    }
  }

  /** The answerer cannot give encodings when the transceiver is made; it caps the bitrate afterwards. */
  async #applyBitrates(): Promise<void> {
    for (const [source, transceiver] of this.#transceivers) {
      const maxBitrate = MAX_BITRATE[source];
      if (!maxBitrate) continue;
      const parameters = transceiver.sender.getParameters();
      const [encoding] = parameters.encodings;
      if (!encoding) continue;
      encoding.maxBitrate = maxBitrate;
      await transceiver.sender.setParameters(parameters).catch(() => undefined);
    }
  }

  #streamOf(source: MediaSource): MediaStream {
    return source === 'screen' || source === 'screen-audio' ? this.#screenStream : this.#userStream;
  }

  #signal(signal: P2PSignal): void {
    if (this.#closed) return;
    // The server refuses signals of a session it has ended: that race is normal, not a failure.
    this.#send(signal).catch((error: unknown) => console.debug('p2p: a signal was not relayed', error));
  }

  #onConnectionState(): void {
    if (this.#closed) return;
    const state = this.#pc.connectionState;
    this.events.emit('connectionState', state);
    clearTimeout(this.#disconnectedTimer);
    if (state === 'failed') this.#fail('connection-failed');
    else if (state === 'disconnected') {
      this.#disconnectedTimer = setTimeout(() => this.#fail('connection-lost'), DISCONNECTED_GRACE_MS);
    }
  }

  #fail(reason: string): void {
    if (this.#failed || this.#closed) return;
    this.#failed = true;
    this.events.emit('failed', reason.slice(0, 200));
  }
}

/** The candidate pair ICE is using, with both candidates spelled out. */
function selectedPairOf(report: RTCStatsReport): P2PConnectionInfo['selectedPair'] {
  const entries = new Map<string, Record<string, unknown>>();
  report.forEach((entry: Record<string, unknown>) => entries.set(String(entry.id), entry));
  let pair: Record<string, unknown> | undefined;
  for (const entry of entries.values()) {
    if (entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string') {
      pair = entries.get(entry.selectedCandidatePairId);
    }
  }
  // Firefox marks the pair instead of naming it on the transport.
  pair ??= [...entries.values()].find((entry) => entry.type === 'candidate-pair' && entry.selected === true);
  if (!pair) return null;
  const local = candidateOf(entries.get(String(pair.localCandidateId)));
  const remote = candidateOf(entries.get(String(pair.remoteCandidateId)));
  if (!local || !remote) return null;
  const rtt = pair.currentRoundTripTime;
  return { local, remote, ...(typeof rtt === 'number' ? { currentRoundTripTime: rtt } : {}) };
}

function candidateOf(entry: Record<string, unknown> | undefined): CandidateInfo | null {
  if (!entry) return null;
  const address = entry.address ?? entry.ip;
  return {
    address: typeof address === 'string' ? address : '',
    port: typeof entry.port === 'number' ? entry.port : 0,
    candidateType: typeof entry.candidateType === 'string' ? entry.candidateType : '',
    protocol: typeof entry.protocol === 'string' ? entry.protocol : '',
  };
}

/** The protocol takes exactly these fields (browsers may add more to toJSON()). */
function cleanCandidate(candidate: RTCIceCandidateInit): RTCIceCandidateInit & { candidate: string } {
  return {
    candidate: candidate.candidate ?? '',
    ...(candidate.sdpMid != null ? { sdpMid: candidate.sdpMid } : {}),
    ...(candidate.sdpMLineIndex != null ? { sdpMLineIndex: candidate.sdpMLineIndex } : {}),
    ...(candidate.usernameFragment != null ? { usernameFragment: candidate.usernameFragment } : {}),
  };
}
