/**
 * Peer-to-peer sessions (relay of the pair's SDP and ICE candidates, the browsers' reports) and the
 * explicit mute state, which must not be read from producer pauses now that P2P pauses producers too.
 */
import type { HandlerMap } from '../handler.js';

export const p2pHandlers: HandlerMap<'p2pSignal' | 'p2pReport' | 'setMuted'> = {
  p2pSignal(session, { sessionId, signal }) {
    const { peer, room } = session.member();
    room.p2p.relay(peer, sessionId, signal);
    return {};
  },

  p2pReport(session, { sessionId, event, reason }) {
    const { peer, room } = session.member();
    room.p2p.report(peer, sessionId, event, reason);
    return {};
  },

  setMuted(session, { source, muted }) {
    const { peer, room } = session.member();
    room.setMuted(peer, source, muted);
    return {};
  },
};
