/**
 * The STUN/TURN servers a browser gets for its P2P connection. One function, so TURN credentials made
 * per peer (e.g. time-limited ones from a shared secret) can be added here without touching signaling.
 */
import type { IceServer } from '../../protocol/p2p.js';
import type { P2PConfig } from '../config.js';
import { turnServerFor } from '../media/turn-credentials.js';

export function iceServersFor(config: P2PConfig, peerId: string): IceServer[] {
  const stun = config.iceServerUrls.filter((url) => url.startsWith('stun:'));
  const turn = config.iceServerUrls.filter((url) => url.startsWith('turn'));
  const servers: IceServer[] = [];
  if (stun.length > 0) servers.push({ urls: stun });
  // Browsers throw on a TURN server without credentials; config.ts refuses that combination.
  if (turn.length > 0 && config.turnCredentials) servers.push({ urls: turn, ...config.turnCredentials });
  // coturn with a shared secret (TURN_SECRET, TURN_URLS; issue 5): credentials made for this peer and
  // valid for TURN_CREDENTIAL_TTL. The join answer hands the same list to the SFU transports.
  if (config.turn) servers.push(turnServerFor(config.turn, peerId));
  return servers;
}
