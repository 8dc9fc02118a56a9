import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../reflector/token-bucket.js';

describe('TokenBucket', () => {
  it('gives the burst at once, then the rate, never more than the burst saved', () => {
    const bucket = new TokenBucket(10, 5, 0);
    const taken = (nowMs: number, n: number): number =>
      Array.from({ length: n }, () => bucket.take(nowMs)).filter(Boolean).length;
    expect(taken(0, 8), 'the burst').toBe(5);
    expect(taken(100, 3), '100 ms at 10/s: one more').toBe(1);
    expect(taken(10_100, 20), 'a long pause saves only the burst').toBe(5);
    expect(taken(10_050, 1), 'a clock going back gives nothing').toBe(0);
  });
});
