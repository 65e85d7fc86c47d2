/**
 * Marks of a join, taken inside the page (performance.now(), the clock of the client's frame clock):
 * the Join click, the signaling socket, every request and its answer, the server's `newConsumer`
 * requests and the client's answers, getUserMedia calls, each RTCPeerConnection's creation, connection
 * and first track, and when the page first reports P2P. Installed with `context.addInitScript` before
 * the app loads, by wrapping the browser APIs the app uses, so the client needs no benchmark code.
 */

export interface RequestMark {
  method: string;
  sentAt: number;
  answeredAt?: number;
}

export interface ServerRequestMark {
  method: string;
  kind?: string;
  receivedAt: number;
  answeredAt?: number;
}

export interface PeerConnectionMark {
  createdAt: number;
  iceConnectedAt?: number;
  connectedAt?: number;
  firstTrackAt?: number;
}

export interface PageMarks {
  click?: number;
  wsCreated?: number;
  wsOpen?: number;
  getUserMedia: Array<{ startedAt: number; endedAt?: number }>;
  requests: RequestMark[];
  serverRequests: ServerRequestMark[];
  peerConnections: PeerConnectionMark[];
  p2pAt?: number;
}

/** The init script: self-contained (Playwright sends its source to the page). */
export function installPageMarks(): void {
  const marks: PageMarks = { getUserMedia: [], requests: [], serverRequests: [], peerConnections: [] };
  (globalThis as unknown as { __joinMarks: PageMarks }).__joinMarks = marks;
  const now = (): number => performance.now();

  document.addEventListener(
    'click',
    (event) => {
      const target = event.target instanceof Element ? event.target.closest('[data-testid="join-button"]') : null;
      // event.timeStamp is in the performance.now() clock: the moment of the click, not of this handler.
      if (target && marks.click === undefined) marks.click = event.timeStamp;
    },
    true,
  );

  const pendingRequests = new Map<number, RequestMark>();
  const pendingServerRequests = new Map<number, ServerRequestMark>();
  const NativeWebSocket = window.WebSocket;
  class MarkedWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      marks.wsCreated ??= now();
      this.addEventListener('open', () => (marks.wsOpen ??= now()));
      this.addEventListener('message', (event: MessageEvent) => {
        if (typeof event.data !== 'string') return;
        const message = JSON.parse(event.data) as { kind: string; id?: number; method?: string; data?: { kind?: string } };
        if (message.kind === 'response' && message.id !== undefined) {
          const request = pendingRequests.get(message.id);
          if (request) request.answeredAt = now();
          pendingRequests.delete(message.id);
        } else if (message.kind === 'request' && message.id !== undefined) {
          const mark: ServerRequestMark = { method: message.method ?? '?', receivedAt: now() };
          if (message.data?.kind) mark.kind = message.data.kind;
          marks.serverRequests.push(mark);
          pendingServerRequests.set(message.id, mark);
        }
      });
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (typeof data === 'string') {
        const message = JSON.parse(data) as { kind: string; id?: number; method?: string };
        if (message.kind === 'request' && message.id !== undefined) {
          const mark: RequestMark = { method: message.method ?? '?', sentAt: now() };
          marks.requests.push(mark);
          pendingRequests.set(message.id, mark);
        } else if (message.kind === 'response' && message.id !== undefined) {
          const mark = pendingServerRequests.get(message.id);
          if (mark) mark.answeredAt = now();
          pendingServerRequests.delete(message.id);
        }
      }
      super.send(data);
    }
  }
  window.WebSocket = MarkedWebSocket;

  const NativePeerConnection = window.RTCPeerConnection;
  class MarkedPeerConnection extends NativePeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      const mark: PeerConnectionMark = { createdAt: now() };
      marks.peerConnections.push(mark);
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') mark.connectedAt ??= now();
      });
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState === 'connected' || this.iceConnectionState === 'completed') mark.iceConnectedAt ??= now();
      });
      this.addEventListener('track', () => (mark.firstTrackAt ??= now()));
    }
  }
  window.RTCPeerConnection = MarkedPeerConnection;

  const mediaDevices = navigator.mediaDevices;
  const getUserMedia = mediaDevices.getUserMedia.bind(mediaDevices);
  mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const mark: { startedAt: number; endedAt?: number } = { startedAt: now() };
    marks.getUserMedia.push(mark);
    try {
      return await getUserMedia(constraints);
    } finally {
      mark.endedAt = now();
    }
  };

  // The app exposes its media path as window.__shouwang.mode; a 10 ms poll is precise enough for a
  // switch that takes seconds, and costs nothing measurable.
  const poll = setInterval(() => {
    const mode = (globalThis as unknown as { __shouwang?: { mode?: string } }).__shouwang?.mode;
    if (mode === 'p2p' && marks.click !== undefined) {
      marks.p2pAt = now();
      clearInterval(poll);
    }
  }, 10);
}
