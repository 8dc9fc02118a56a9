import { describe, expect, it } from 'vitest';
import {
  bytes,
  compactDuration,
  duration,
  jsonSeconds,
  roundSeconds,
} from '../../../client/report/format.js';

describe('bytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [86_100, '84 KiB'],
    [5 * 1024 ** 2 + 300_000, '5.3 MiB'],
    [3 * 1024 ** 3, '3.0 GiB'],
  ])('%d bytes → %s', (count, expected) => {
    expect(bytes(count)).toBe(expected);
  });
});

describe('duration', () => {
  it.each([
    [4_000, '4.00 s'],
    [29_412, '29.4 s'],
    [349_500, '349.5 s (5 min 50 s)'],
    [7_440_000, '7440.0 s (2 h 4 min)'],
    [3_600_000, '3600.0 s (1 h)'],
  ])('%d ms → %s', (ms, expected) => {
    expect(duration(ms)).toBe(expected);
  });
});

describe('the other units', () => {
  it('writes seconds for JSON to the ms, for sentences to a tenth, for a status line compactly', () => {
    expect(jsonSeconds(29_412.4)).toBe(29.412);
    expect(jsonSeconds(null)).toBeNull();
    expect(roundSeconds(7_960)).toBe('8 s');
    expect(roundSeconds(24_460)).toBe('24.5 s');
    expect(compactDuration(12_340)).toBe('12.3 s');
    expect(compactDuration(303_000)).toBe('5 min 3 s');
    expect(compactDuration(7_440_000)).toBe('2 h 4 min');
    expect(compactDuration(null)).toBe('—');
  });
});
