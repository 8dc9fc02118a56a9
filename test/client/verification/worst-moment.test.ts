import { describe, expect, it } from 'vitest';
import {
  DRIFT_PER_CYCLE_MS,
  MARGIN_MIN_MS,
  nextWorstMomentMs,
  worstMomentMarginMs,
  worstMomentSchedule,
} from '../../../client/verification/worst-moment.js';

describe('worstMomentMarginMs', () => {
  it('is at least 250 ms, 2% of a long period, and widens with each predicted cycle', () => {
    expect(worstMomentMarginMs(10_000)).toBe(MARGIN_MIN_MS);
    expect(worstMomentMarginMs(300_000)).toBe(6000);
    expect(worstMomentMarginMs(10_000, 3)).toBe(MARGIN_MIN_MS + 3 * DRIFT_PER_CYCLE_MS);
  });
});

describe('nextWorstMomentMs', () => {
  it('lands just before the next refresh, never just after one', () => {
    // Refreshed at 1000, every 14 s: the next refresh is due at 15 000.
    expect(nextWorstMomentMs(14_000, 1000, 2000)).toBe(15_000 - 280); // 2% of 14 s
  });

  it('moves to the following cycle, with a wider margin, once this one has passed', () => {
    const at = nextWorstMomentMs(14_000, 1000, 15_000) as number;
    expect(at).toBe(29_000 - 280 - DRIFT_PER_CYCLE_MS);
    expect(at - 15_000, 'a whole cycle later, not just after the refresh').toBeGreaterThan(13_000);
  });

  it('is null for a period too short to leave an idle worth testing', () => {
    expect(nextWorstMomentMs(200, 0, 0)).toBeNull();
  });

  it('gives up, rather than spin, when predictions have drifted past the period', () => {
    expect(nextWorstMomentMs(1000, 0, 10_000_000)).toBeNull();
  });
});

describe('worstMomentSchedule', () => {
  it('orders connections of staggered phases by their next worst moment', () => {
    const schedule = worstMomentSchedule(
      [
        { id: 'a', periodMs: 20_000, lastRefreshMs: 0 },
        { id: 'b', periodMs: 20_000, lastRefreshMs: 5000 },
        { id: 'c', periodMs: 20_000, lastRefreshMs: 10_000 },
        { id: 'd', periodMs: 20_000, lastRefreshMs: 15_000 },
      ],
      27_000,
    );
    expect(schedule.map((s) => s.id)).toEqual(['c', 'd', 'a', 'b']);
    expect(schedule[0]?.atMs).toBe(30_000 - 400); // 2% of 20 s
    // Four phases: the soonest worst moment is at most a quarter period away.
    expect((schedule[0]?.atMs as number) - 27_000).toBeLessThanOrEqual(5000);
  });
});
