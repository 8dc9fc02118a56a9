/**
 * Which peers the reflector's per-address limits (admission.ts) count together: an IPv4 address on
 * its own, an IPv6 address by its /64. One IPv6 host is usually given a whole /64 and can pick any
 * address in it, so counting single IPv6 addresses would let one client take the reflector with
 * 2^64 "addresses". An IPv4-mapped IPv6 address (::ffff:192.0.2.1, as a dual-stack socket reports an
 * IPv4 peer) is the IPv4 peer and counts as such.
 *
 * Pure: no socket, no clock. Never throws; what is not an IP address is its own group.
 */
import { isIP } from 'node:net';

/** The group key of `ip`: "192.0.2.1", or "2001:db8:1:2::/64" (lowercase, no leading zeros). */
export function addressGroup(ip: string): string {
  // A zone (fe80::1%eth0) names the interface, not the peer.
  const bare = ip.split('%')[0]!.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped !== null && isIP(mapped[1]!) === 4) return mapped[1]!;
  if (isIP(bare) !== 6) return bare;
  const hextets = expandIpv6(bare);
  return `${hextets.slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of a valid IPv6 address, each without leading zeros. */
function expandIpv6(ip: string): string[] {
  // A trailing dotted quad (::ffff:1.2.3.4 is handled above; ::1.2.3.4 and 64:ff9b::1.2.3.4 are not)
  // stands for the last two hextets, which never reach the /64.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, '0:0');
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((hextet) => Number.parseInt(hextet, 16).toString(16));
}
