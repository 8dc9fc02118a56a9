import { describe, expect, it } from 'vitest';
import { fewerFailuresPValue } from '../../../client/search/statistics.js';

describe('fewerFailuresPValue (one-sided Fisher exact test)', () => {
  it('matches the tea-tasting example: all 4 failures in the first group of 4 vs 4 is 1 / 70', () => {
    expect(fewerFailuresPValue(4, 4, 0, 4)).toBeCloseTo(1 / 70, 12);
  });

  it('matches a hand-computed hypergeometric tail: 3 of 5 vs 1 of 5', () => {
    // 4 failures among 10 tests; P(second group has <= 1) = [C(5,0)C(5,4) + C(5,1)C(5,3)] / C(10,4).
    expect(fewerFailuresPValue(3, 5, 1, 5)).toBeCloseTo((5 + 50) / 210, 12);
  });

  it('says nothing (1) when there is nothing to compare', () => {
    expect(fewerFailuresPValue(0, 100, 0, 100)).toBe(1);
    expect(fewerFailuresPValue(5, 100, 0, 0)).toBe(1);
  });

  it('tells a full table (8 of 26 first tests vs 0 of 104 later) from chance (5 of 121 vs 0 of 72)', () => {
    expect(fewerFailuresPValue(8, 26, 0, 104)).toBeLessThan(0.001);
    expect(fewerFailuresPValue(5, 121, 0, 72)).toBeGreaterThan(0.05);
  });

  it('is 1 when the second group fails more often', () => {
    expect(fewerFailuresPValue(0, 50, 10, 50)).toBeCloseTo(1, 12);
  });
});
