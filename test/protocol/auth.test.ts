import { describe, expect, it } from 'vitest';
import {
  PROBE_MAC_BYTES,
  ReplayGuard,
  helloMac,
  macsEqual,
  probeMac,
  randomProbeIds,
  resumeMac,
  secretsEqual,
  sessionSecret,
  withinSkew,
} from '../../protocol/auth.js';

const SESSION = '0123456789abcdef0123456789abcdef';
const NONCE = 'fedcba9876543210fedcba9876543210';

describe('the MACs', () => {
  it('bind every input: token, ts, nonce', () => {
    const mac = helloMac('t', 1000, NONCE);
    expect(mac, 'hex of a whole HMAC-SHA256').toMatch(/^[0-9a-f]{64}$/);
    expect(helloMac('t', 1000, NONCE), 'deterministic').toBe(mac);
    expect(helloMac('u', 1000, NONCE), 'another token').not.toBe(mac);
    expect(helloMac('t', 1001, NONCE), 'another ts').not.toBe(mac);
    expect(helloMac('t', 1000, NONCE.replace('f', '0')), 'another nonce').not.toBe(mac);
    expect(helloMac('', 1000, NONCE), 'the empty token still keys a MAC').not.toBe(mac);
  });

  it('derive a session secret from the token, both nonces and the id', () => {
    const secret = sessionSecret('t', NONCE, SESSION, SESSION);
    expect(secret.length, '32 bytes').toBe(32);
    expect(sessionSecret('u', NONCE, SESSION, SESSION).equals(secret), 'token').toBe(false);
    expect(sessionSecret('t', SESSION, NONCE, SESSION).equals(secret), 'nonce order').toBe(false);
    expect(resumeMac(secret, 1, NONCE), 'a resume MAC differs from a hello MAC').not.toBe(
      helloMac('t', 1, NONCE),
    );
  });

  it('truncate the probe MAC and bind the probe id', () => {
    const secret = sessionSecret('t', NONCE, NONCE, SESSION);
    const mac = probeMac(secret, SESSION, 7);
    expect(mac.length).toBe(PROBE_MAC_BYTES);
    expect(probeMac(secret, SESSION, 8).equals(mac), 'another probe id').toBe(false);
    expect(probeMac(Buffer.alloc(32), SESSION, 7).equals(mac), 'another secret').toBe(false);
  });

  it('compare in constant time, false on any length mismatch or empty input', () => {
    expect(macsEqual('abcd', 'abcd')).toBe(true);
    expect(macsEqual('abcd', 'abce')).toBe(false);
    expect(macsEqual('abcd', 'abcdab'), 'length mismatch').toBe(false);
    expect(macsEqual('', ''), 'empty is never a match').toBe(false);
    expect(macsEqual(Buffer.of(1, 2), '0102'), 'bytes against hex').toBe(true);
  });

  it('accept a ts within the skew either way, and no further', () => {
    expect(withinSkew(10_000, 130_000, 120_000)).toBe(true);
    expect(withinSkew(250_000, 130_000, 120_000)).toBe(true);
    expect(withinSkew(9_999, 130_000, 120_000)).toBe(false);
    expect(withinSkew(250_001, 130_000, 120_000)).toBe(false);
  });
});

describe('ReplayGuard', () => {
  it('refuses a nonce inside the window and forgets it once its ts is stale anyway', () => {
    const guard = new ReplayGuard(1000, 10);
    expect(guard.admit('a', 5000, 5000)).toBe('admitted');
    expect(guard.admit('a', 5000, 5900), 'a replay inside the window').toBe('replayed');
    expect(guard.admit('b', 5000, 5900)).toBe('admitted');
    // At 6001 a hello of ts 5000 is outside the skew: its nonce need not be kept.
    expect(guard.admit('c', 6000, 6001)).toBe('admitted');
    expect(guard.size, 'a and b pruned').toBe(1);
  });

  it('is bounded: full means refused, not forgotten', () => {
    const guard = new ReplayGuard(1000, 2);
    expect(guard.admit('a', 0, 0)).toBe('admitted');
    expect(guard.admit('b', 0, 0)).toBe('admitted');
    expect(guard.admit('c', 0, 0), 'no room').toBe('full');
    expect(guard.admit('a', 0, 0), 'a is still remembered').toBe('replayed');
    expect(guard.admit('c', 2000, 2000), 'room again once the others are stale').toBe('admitted');
  });
});

describe('randomProbeIds', () => {
  it('hands out distinct non-zero uint32s that do not count up', () => {
    const next = randomProbeIds();
    const ids = Array.from({ length: 2000 }, () => next());
    expect(new Set(ids).size, 'unique').toBe(ids.length);
    for (const id of ids) expect(Number.isInteger(id) && id >= 1 && id <= 0xffff_fffe, `${id}`).toBe(true);
    const sequential = ids.filter((id, i) => i > 0 && id === ids[i - 1]! + 1).length;
    expect(sequential, 'not a counter').toBeLessThan(5);
  });
});

describe('secretsEqual', () => {
  it('tells text secrets apart whatever their characters and lengths (a bearer token is not hex)', () => {
    expect(secretsEqual('Bearer the-token', 'Bearer the-token')).toBe(true);
    // 'Be' is the only hex prefix of both: a hex comparison would call these equal.
    expect(secretsEqual('Bearer the-token', 'Bearer other')).toBe(false);
    expect(secretsEqual('Bearer the-token', '')).toBe(false);
    expect(secretsEqual('', '')).toBe(true);
  });
});
