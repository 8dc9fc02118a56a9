import { describe, expect, it } from 'vitest';
import type { Bracket } from '../../../client/search/bracket.js';
import {
  FRONTIER_GROWTH,
  frontierFor,
  frontierGrowthFor,
  frontierTargets,
  isNarrow,
  rungAbove,
} from '../../../client/search/frontier.js';
import { LIMITS, S } from './pass-fixtures.js';

const bracket = (loMs: number | null, hiMs: number | null): Bracket => ({
  loMs,
  hiMs,
  eviction: hiMs === null ? null : 'silent-drop',
  contradictions: 0,
});

describe('frontierGrowthFor', () => {
  it('is the finest ratio from 128 connections up, and coarser for fewer', () => {
    expect(frontierGrowthFor(128)).toBe(FRONTIER_GROWTH);
    expect(frontierGrowthFor(4096)).toBe(FRONTIER_GROWTH);
    expect(frontierGrowthFor(16)).toBeCloseTo(1.17, 1);
    const ratios = [16, 32, 64, 128].map(frontierGrowthFor);
    expect(
      [...ratios].sort((a, b) => b - a),
      'fewer connections, coarser ratio',
    ).toEqual(ratios);
  });
});

describe('isNarrow', () => {
  it('is narrow within the resolution at the lower bound, or when even --min was evicted', () => {
    expect(isNarrow(LIMITS, bracket(300 * S, 303 * S)), '3 s at 300 s').toBe(true);
    expect(isNarrow(LIMITS, bracket(300 * S, 303.1 * S))).toBe(false);
    expect(isNarrow(LIMITS, bracket(null, 1 * S)), 'evicted at --min').toBe(true);
    expect(isNarrow(LIMITS, bracket(null, 3 * S))).toBe(false);
    expect(isNarrow(LIMITS, bracket(300 * S, null)), 'no eviction yet').toBe(false);
  });
});

describe('frontierTargets', () => {
  const frontier = frontierFor(128, LIMITS.minMs);

  it('starts at --min, then climbs by the ratio from the longest survival, with no ceiling', () => {
    expect(frontierTargets(frontier, LIMITS, bracket(null, null), [])).toEqual([
      { atMs: 1 * S, untilMs: Number.POSITIVE_INFINITY },
    ]);
    expect(frontierTargets(frontier, LIMITS, bracket(100 * S, null), [])).toEqual([
      { atMs: 104 * S, untilMs: Number.POSITIVE_INFINITY },
    ]);
  });

  it('climbs past a pending probe as if it had survived (pipelined)', () => {
    const [target] = frontierTargets(frontier, LIMITS, bracket(100 * S, null), [110 * S]) ?? [];
    expect(target?.atMs).toBeCloseTo(110 * 1.04 * S, 6);
  });

  it('stops at --max: nothing left once --max survived, nothing now while a probe there is pending', () => {
    const limits = { ...LIMITS, maxMs: 200 * S };
    expect(frontierTargets(frontier, limits, bracket(199 * S, null), [])).toEqual([
      { atMs: 200 * S, untilMs: Number.POSITIVE_INFINITY },
    ]);
    expect(frontierTargets(frontier, limits, bracket(199 * S, null), [200 * S])).toEqual([]);
    expect(frontierTargets(frontier, limits, bracket(200 * S, null), [])).toBeNull();
  });

  it(
    "on a re-check's frontier, starts at its start and climbs one rung of 0.9 resolution through the " +
      'expected bracket',
    () => {
      const recheck = frontierFor(16, 340 * S, 360 * S);
      expect(frontierTargets(recheck, LIMITS, bracket(null, null), [])?.[0]?.atMs).toBe(340 * S);
      expect(frontierTargets(recheck, LIMITS, bracket(345 * S, null), [])?.[0]?.atMs).toBeCloseTo(
        345 * S + 0.9 * 3450,
        6,
      );
      const above = frontierTargets(recheck, LIMITS, bracket(400 * S, null), [])?.[0]?.atMs;
      expect(above, 'past the expected bracket, the ratio again').toBeCloseTo(
        400 * S * frontierGrowthFor(16),
        6,
      );
    },
  );

  it('splits a bracket into equal parts no wider than the resolution, at most 12 at once', () => {
    const targets = frontierTargets(frontier, LIMITS, bracket(100 * S, 104 * S), []) ?? [];
    expect(targets.map((t) => t.atMs / S)).toEqual([101, 102, 103]);
    expect(
      targets.map((t) => t.untilMs / S),
      'each up to the next split point',
    ).toEqual([102, 103, 104]);
    const wide = frontierTargets(frontier, LIMITS, bracket(100 * S, 200 * S), []) ?? [];
    expect(wide).toHaveLength(11);
    expect(wide[0]?.atMs).toBeCloseTo((100 + 100 / 12) * S, 6);
  });

  it('lets a pending probe inside the bracket split it, and leaves a narrow bracket alone', () => {
    const targets = frontierTargets(frontier, LIMITS, bracket(100 * S, 104 * S), [102 * S]) ?? [];
    expect(targets.map((t) => t.atMs / S)).toEqual([101, 103]);
    expect(frontierTargets(frontier, LIMITS, bracket(100 * S, 101 * S), [])).toEqual([]);
  });

  it('tests --min itself while nothing survived', () => {
    const targets = frontierTargets(frontier, LIMITS, bracket(null, 3 * S), []) ?? [];
    expect(targets[0]).toEqual({ atMs: 1 * S, untilMs: 1.04 * S });
    expect(
      targets.slice(1).map((t) => t.atMs / S),
      'and splits (1 s, 3 s]',
    ).toEqual([2]);
  });
});

describe('rungAbove', () => {
  it('puts the rungs on one grid from 1 s, whatever idle the last test had', () => {
    const q = 1.04;
    expect(rungAbove(1000, q)).toBeCloseTo(1040, 6);
    expect(rungAbove(1030, q), 'a test a little past its rung').toBeCloseTo(1040, 6);
    expect(rungAbove(1039.5, q), 'within the crossing tolerance of the next: it crossed it').toBeCloseTo(
      1040 * q,
      6,
    );
    const rung = 1000 * q ** 50;
    expect(rungAbove(rung, q)).toBeCloseTo(1000 * q ** 51, 6);
    expect(rungAbove(rung + 40, q), 'an inbound test dated an RTT later').toBeCloseTo(1000 * q ** 51, 6);
    expect(rungAbove(rung - 0.5, q), 'a test a hair before its rung (a timer fired early)').toBeCloseTo(
      1000 * q ** 51,
      6,
    );
    expect(rungAbove(10_000, q), 'from --min 10 s').toBeGreaterThan(10_000);
    expect(rungAbove(10_000, q)).toBeLessThanOrEqual(10_000 * q);
  });
});
