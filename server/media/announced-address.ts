/**
 * Saying at startup which address the media server puts in ICE candidates, and where it came from.
 * A wrong one is the most common reason a call connects signaling but shows no video (or works in
 * Chromium and not in Firefox), so the log names it, its source and, for loopback, the consequence.
 */
import os from 'node:os';

export interface AnnouncedAddressReport {
  /** One line for the startup log. */
  message: string;
  /** True when only this machine's browsers, and not Firefox, can receive media. */
  loopbackOnly: boolean;
}

export function describeAnnouncedAddress(
  announcedIp: string,
  fromEnv: boolean,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): AnnouncedAddressReport {
  const loopbackOnly = announcedIp === '127.0.0.1' || announcedIp === '::1' || announcedIp.startsWith('127.');
  const interfaceName = Object.entries(interfaces).find(([, addresses]) =>
    (addresses ?? []).some((address) => address.address === announcedIp),
  )?.[0];
  const source = fromEnv
    ? 'set by ANNOUNCED_IP'
    : loopbackOnly
      ? 'no non-internal IPv4 interface found'
      : `first non-internal IPv4, interface ${interfaceName ?? '?'}`;
  const consequence = loopbackOnly
    ? ': only browsers on this machine can receive media, and Firefox cannot (it never uses loopback for WebRTC); set ANNOUNCED_IP to an address browsers can reach'
    : '';
  return { message: `media announced on ${announcedIp} (${source})${consequence}`, loopbackOnly };
}
