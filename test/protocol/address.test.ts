import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from '../../protocol/address.js';
import { AddressError } from '../../protocol/errors.js';

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:7000', { host: '127.0.0.1', port: 7000 }],
    ['127.0.0.1', { host: '127.0.0.1', port: 7000 }],
    ['[::1]:7001', { host: '::1', port: 7001 }],
    ['[::1]', { host: '::1', port: 7000 }],
    ['[2001:db8::5]:65535', { host: '2001:db8::5', port: 65535 }],
    ['reflector.example.net:443', { host: 'reflector.example.net', port: 443 }],
    ['localhost', { host: 'localhost', port: 7000 }],
  ])('%s', (input, expected) => {
    expect(parseHostPort(input, 7000)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['host:', 'port "" is not a number'],
    ['host:0', 'outside 1-65535'],
    ['host:70000', 'outside 1-65535'],
    ['host:abc', 'is not a number'],
    ['::1', 'write IPv6 with brackets'],
    ['[::1', 'missing "]"'],
    ['[nothost]:80', 'is not an IPv6 address'],
    ['[::1]x', 'expected ":PORT"'],
    ['300.1.1.1:80', 'is not a valid IPv4 address'],
    ['bad_host!:80', 'is not an IPv4 address or host name'],
  ])('rejects %j (%s)', (input, why) => {
    expect(() => parseHostPort(input, 7000)).toThrowError(AddressError);
    expect(() => parseHostPort(input, 7000)).toThrowError(why);
  });

  it('formats IPv6 with brackets', () => {
    expect(formatHostPort({ host: '::1', port: 7 })).toBe('[::1]:7');
    expect(formatHostPort({ host: '10.0.0.1', port: 7 })).toBe('10.0.0.1:7');
  });
});
