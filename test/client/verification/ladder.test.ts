import { describe, expect, it } from 'vitest';
import {
  OPEN_SHARE,
  RECOMMENDED_SHARE,
  RUNG_RATIO,
  ladderRungsS,
  phaseOffsetsMs,
  rungFor,
  rungOpensAtMs,
  rungsToHold,
  rungWanted,
  RETIRE_FACTOR,
  SEARCH_END_FACTOR,
} from '../../../client/verification/ladder.js';
import { keepaliveFor } from '../../../client/report/recommendation.js';

describe('ladderRungsS', () => {
  it('covers the range in whole seconds, at most RUNG_RATIO apart, strictly rising', () => {
    const rungs = ladderRungsS(1, 7440);
    expect(rungs[0], 'lowest rung').toBe(1);
    expect(rungs.at(-1), 'highest rung').toBeLessThanOrEqual(7440);
    for (let i = 1; i < rungs.length; i++) {
      const [a, b] = [rungs[i - 1] as number, rungs[i] as number];
      expect(Number.isInteger(b), `rung ${b} is whole seconds`).toBe(true);
      expect(b, `rung ${i} rises`).toBeGreaterThan(a);
      // Rounding to whole seconds may add half a second to a step.
      expect(b, `rung ${i} is close enough to the one below`).toBeLessThanOrEqual(
        Math.max(a + 1, a * RUNG_RATIO + 0.5),
      );
    }
    expect(rungs.length, 'a few dozen rungs for the default range').toBeLessThan(60);
  });

  it('starts below --min, where a recommendation planned from 0.7 T can land', () => {
    expect(ladderRungsS(10, 300)[0]).toBe(7);
  });
});

describe('the rung a recommendation is proven by', () => {
  it('is held past T when the search ends, and is below T, for any T over the range', () => {
    const rungs = ladderRungsS(1, 7440);
    for (let timeoutS = 5; timeoutS <= 7440; timeoutS = Math.ceil(timeoutS * 1.05)) {
      // The recommendation is planned from a survival just below T.
      const recommended = keepaliveFor(0.99 * timeoutS).keepaliveIdleS;
      const rung = rungFor(rungs, recommended);
      expect(rung, `T = ${timeoutS} s: some rung covers idle ${recommended} s`).not.toBeNull();
      expect(rung as number, `T = ${timeoutS} s: the rung is below T`).toBeLessThan(timeoutS);
      const endMs = SEARCH_END_FACTOR * timeoutS * 1000;
      const heldMs = endMs - rungOpensAtMs(rung as number);
      expect(
        heldMs,
        `T = ${timeoutS} s: rung ${rung} s is older than T when the search ends`,
      ).toBeGreaterThan(timeoutS * 1000);
    }
  });

  it('is null above the ladder', () => {
    expect(rungFor([1, 2, 3], 4)).toBeNull();
    expect(rungFor([1, 2, 3], 2)).toBe(2);
  });
});

describe('rungsToHold', () => {
  const rungs = ladderRungsS(1, 7440);

  it('opens a rung at OPEN_SHARE of its idle', () => {
    expect(rungOpensAtMs(100)).toBe(OPEN_SHARE * 100_000);
    expect(rungsToHold(rungs, 0, null), 'nothing but sub-second openings at the start').toEqual([]);
    expect(rungsToHold(rungs, 1500, null)).toEqual(rungs.filter((k) => k * OPEN_SHARE <= 1.5));
  });

  it('retires rungs far below what already survived, and keeps the one the recommendation needs', () => {
    const held = rungsToHold(rungs, 400_000, 350_000);
    expect(
      held.every((k) => k * RETIRE_FACTOR > 350),
      'nothing below a quarter of the survival',
    ).toBe(true);
    expect(
      held.some((k) => k * 2 <= 350),
      'but what a short recommendation may need, yes',
    ).toBe(true);
    const needed = rungFor(rungs, keepaliveFor(350).keepaliveIdleS) as number;
    expect(held, `the rung for a 350 s survival (${needed} s) is still held`).toContain(needed);
  });

  it('holds a bounded number of rungs at any time', () => {
    for (let t = 1000; t <= 8000_000; t *= 1.5) {
      const held = rungsToHold(rungs, t, RECOMMENDED_SHARE * t);
      expect(held.length, `at ${Math.round(t / 1000)} s`).toBeLessThanOrEqual(24);
    }
  });
});

describe('rungWanted', () => {
  it('never retires the rung the recommended keepalive or heartbeat needs, for any survival', () => {
    const rungs = ladderRungsS(1, 7440);
    for (let survivedS = 2; survivedS <= 7440; survivedS = Math.ceil(survivedS * 1.03)) {
      const { keepaliveIdleS, heartbeatS } = keepaliveFor(survivedS);
      for (const wantS of [keepaliveIdleS, heartbeatS]) {
        const rung = rungFor(rungs, wantS) as number;
        expect(
          rungWanted(rung, survivedS * 1000),
          `survived ${survivedS} s: rung ${rung} s for ${wantS} s`,
        ).toBe(true);
      }
    }
  });
});

describe('phaseOffsetsMs', () => {
  it('spreads the connections of a rung evenly over its cycle', () => {
    expect(phaseOffsetsMs(20, 4)).toEqual([0, 5000, 10_000, 15_000]);
  });
});
