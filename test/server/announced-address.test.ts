/** The startup line that says which address browsers are told to send media to, and why. */
import type os from 'node:os';
import t from 'tap';
import { detectAnnouncedIp } from '../../server/config.js';
import { describeAnnouncedAddress } from '../../server/media/announced-address.js';

const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') =>
  ({ address, internal, family, netmask: '', mac: '', cidr: null }) as unknown as os.NetworkInterfaceInfo;

const lan = { lo: [iface('127.0.0.1', true)], eth0: [iface('fe80::1', false, 'IPv6'), iface('192.168.1.20', false)] };
const loopbackOnly = { lo: [iface('127.0.0.1', true), iface('::1', true, 'IPv6')] };

t.test('the default is the first non-internal IPv4, loopback only when there is nothing else', async (t) => {
  t.equal(detectAnnouncedIp(lan), '192.168.1.20');
  t.equal(detectAnnouncedIp(loopbackOnly), '127.0.0.1');
  t.equal(detectAnnouncedIp({ ...loopbackOnly, eth1: [iface('169.254.10.2', false)], eth2: [iface('10.0.0.5', false)] }), '10.0.0.5', 'link-local is skipped');
});

t.test('the log names the address, its interface and where it came from', async (t) => {
  const detected = describeAnnouncedAddress('192.168.1.20', false, lan);
  t.equal(detected.message, 'media announced on 192.168.1.20 (first non-internal IPv4, interface eth0)');
  t.equal(detected.loopbackOnly, false);
  const configured = describeAnnouncedAddress('203.0.113.7', true, lan);
  t.equal(configured.message, 'media announced on 203.0.113.7 (set by ANNOUNCED_IP)');
});

t.test('loopback is flagged with what it breaks', async (t) => {
  const report = describeAnnouncedAddress('127.0.0.1', false, loopbackOnly);
  t.equal(report.loopbackOnly, true);
  t.match(report.message, /no non-internal IPv4 interface found.*Firefox cannot/);
  t.equal(describeAnnouncedAddress('127.0.0.1', true, lan).loopbackOnly, true, 'also when set explicitly');
});
