/**
 * mediasoup (3.12, server) and mediasoup-client (3.18, browser) type the same JSON differently: the
 * client's types are newer (e.g. `IceCandidate.address`, which replaced `ip`). The protocol speaks in
 * the client's types; these functions are the one place where server objects become wire objects.
 */
import type { IceCandidate as WireIceCandidate } from 'mediasoup-client/types';
import type { IceCandidate } from 'mediasoup/node/lib/types.js';

/**
 * The object is already what the other side parses; only its static type changes. Kept to plain
 * parameter objects (RTP/DTLS/ICE/SCTP parameters and capabilities).
 */
export function toWire<Wire>(value: object): Wire {
  return value as Wire;
}

/** Server candidates carry `ip`; newer clients read `address` and fall back to `ip`. Send both. */
export function toWireIceCandidates(candidates: IceCandidate[]): WireIceCandidate[] {
  return candidates.map((candidate) => ({ ...candidate, address: candidate.ip }) as WireIceCandidate);
}
