/** Which peers the per-address limits count together (reflector/address-group.ts): pure. */
import { describe, expect, it } from 'vitest';
import { addressGroup } from '../../reflector/address-group.js';

describe('addressGroup', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['127.0.0.2', '127.0.0.2'],
    // A dual-stack socket reports IPv4 peers mapped: they are the IPv4 address.
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:127.0.0.2', '127.0.0.2'],
    // IPv6 by /64: every address of one /64 is one group, written one way.
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:0:0:0:5', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    // A dotted tail other than ::ffff: is only the low 32 bits: the /64 is the rest.
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('%s -> %s', (ip, group) => {
    expect(addressGroup(ip), ip).toBe(group);
  });

  it('keeps different /64s apart and anything that is not an address as it is', () => {
    expect(addressGroup('2001:db8:1:2::1'), 'next /64').not.toBe(addressGroup('2001:db8:1:3::1'));
    expect(addressGroup('192.0.2.1'), 'another IPv4 address').not.toBe(addressGroup('192.0.2.2'));
    expect(addressGroup('?'), 'unknown peer').toBe('?');
  });
});
