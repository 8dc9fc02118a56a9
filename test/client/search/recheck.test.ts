import { describe, expect, it } from 'vitest';
import type { Bracket } from '../../../client/search/bracket.js';
import type { TestRecord } from '../../../client/search/pass-record.js';
import {
  fullTableEvident,
  planRecheck,
  recheckBudget,
  recheckFindings,
  shouldRecheck,
  type LastPass,
  type PassEvidence,
  type PassSummary,
} from '../../../client/search/recheck.js';
import { frontierGrowthFor } from '../../../client/search/frontier.js';
import { LIMITS, S, tests } from './pass-fixtures.js';

const BRACKET: Bracket = { loMs: 349 * S, hiMs: 351 * S, eviction: 'silent-drop', contradictions: 0 };

/**
 * A pass of `firstTests` first tests of which `firstUnanswered` went unanswered (suspected lost),
 * and `laterTests` later tests of which `laterUnanswered` did.
 */
function pass(
  firstTests: number,
  firstUnanswered: number,
  laterTests: number,
  laterUnanswered: number,
  extra: Partial<PassEvidence> = {},
): PassEvidence {
  const pattern = (n: number, dead: number): string =>
    Array.from({ length: n }, (_, i) => `${100 + i}${i < dead ? 'x' : '+'}`).join(' ');
  const first = tests(1, 100, pattern(firstTests, firstUnanswered), true);
  const later = tests(2, 500, pattern(laterTests, laterUnanswered));
  const records: TestRecord[] = [...first, ...later];
  const lossSuspects = new Set(records.filter((o) => !o.survived));
  return { budget: 128, bracket: BRACKET, records, lossSuspects, pending: false, rechecked: false, ...extra };
}

describe('recheckBudget', () => {
  it('re-checks with 16 connections, then 4, then no more', () => {
    expect([256, 128, 17, 16, 5, 4].map(recheckBudget)).toEqual([16, 16, 16, 4, 4, null]);
  });
});

describe('shouldRecheck', () => {
  it('re-checks when first tests go unanswered far more often than later ones, not by chance', () => {
    expect(shouldRecheck(pass(26, 8, 104, 0)), '8 of 26 first tests vs 0 of 104 later').toBe(true);
    expect(shouldRecheck(pass(26, 3, 104, 0)), 'fewer than 4 unanswered').toBe(false);
    expect(shouldRecheck(pass(26, 4, 104, 12)), 'later tests go unanswered about as often').toBe(false);
    expect(shouldRecheck(pass(26, 8, 104, 0, { budget: 4 })), 'no budget left below 4').toBe(false);
  });

  it('re-checks heavy loss whatever struck it, and a re-check that still loses a tenth', () => {
    expect(shouldRecheck(pass(20, 6, 20, 6)), 'a quarter or more unanswered').toBe(true);
    expect(shouldRecheck(pass(40, 4, 40, 4)), 'a tenth, first pass').toBe(false);
    expect(shouldRecheck(pass(40, 4, 40, 4, { budget: 16, rechecked: true })), 'a tenth, in a re-check').toBe(
      true,
    );
  });

  it('re-checks when nothing survived but something was evicted', () => {
    const none = { ...BRACKET, loMs: null };
    expect(shouldRecheck(pass(10, 0, 0, 0, { bracket: none }))).toBe(true);
  });
});

describe('fullTableEvident', () => {
  it('re-checks at once only on overwhelming evidence, and never with a probe under way', () => {
    expect(fullTableEvident(pass(40, 16, 200, 0)), '16 of 40 first tests vs 0 of 200').toBe(true);
    expect(fullTableEvident(pass(40, 16, 200, 0, { pending: true }))).toBe(false);
    const endOnly = pass(26, 8, 104, 4);
    expect(fullTableEvident(endOnly), '8 of 26 vs 4 of 104: p = 0.0003, not at once').toBe(false);
    expect(shouldRecheck(endOnly), 'but at the end of the pass').toBe(true);
  });

  it("at weaker odds, at once when a full table's signature shows: 40% of the first tests gone", () => {
    expect(fullTableEvident(pass(20, 8, 40, 3)), '8 of 20 first tests vs 3 of 40: p = 0.004').toBe(true);
    expect(
      fullTableEvident(pass(50, 10, 300, 18)),
      '10 of 50 vs 18 of 300: p = 0.003, but a fifth of the first tests is what loss does',
    ).toBe(false);
  });
});

describe('planRecheck', () => {
  it('plans a pass of 16 climbing finely from just below the longest survival in three opening waves', () => {
    const evidence = pass(26, 8, 104, 0);
    const plan = planRecheck(evidence, LIMITS, 1000 * S);
    expect(plan.summary).toEqual({
      budget: 128,
      survivedMs: 349 * S,
      evictedMs: 351 * S,
      firstTests: { tests: 26, unanswered: 8 },
      triggerPValue: expect.any(Number),
      shared: false,
    });
    expect(plan.summary.triggerPValue).toBeLessThan(0.01);
    expect(plan.budget).toBe(16);
    // The longest survival is 203 s (the later tests'), the resolution there 2.03 s.
    expect(plan.frontier.startMs).toBeCloseTo(203 * S - 2030, 6);
    expect(plan.frontier.fineUntilMs, 'the expected eviction plus two resolutions').toBeCloseTo(
      351 * S + 2 * 2030,
      6,
    );
    expect(plan.frontier.growth, "the ratio for the re-check's 16 connections").toBe(frontierGrowthFor(16));
    const gapMs = 1.25 * 0.02 * 351 * S;
    expect(plan.openingWaves).toEqual([
      { atMs: 1000 * S, upTo: 8 },
      { atMs: 1000 * S + gapMs, upTo: 12 },
      { atMs: 1000 * S + 2 * gapMs, upTo: 16 },
    ]);
  });
});

describe('recheckFindings', () => {
  const earlier: PassSummary = {
    budget: 128,
    survivedMs: 300 * S,
    evictedMs: 310 * S,
    firstTests: { tests: 40, unanswered: 12 },
    triggerPValue: 1e-5,
    shared: false,
  };
  /** A re-check at `budget` that survived 349 s and lost nothing. */
  const cleanRecheck = (budget: number): LastPass => ({
    budget,
    bracket: BRACKET,
    records: tests(1, 900, '349+ 351x'),
    lossSuspects: new Set(),
  });
  const figures = {
    earlier: { budget: 128, survivedMs: 300 * S, evictedMs: 310 * S, firstTestsUnansweredShare: 0.3 },
  };

  it('names a full table when the re-check survived past the earlier eviction', () => {
    const now = cleanRecheck(16);
    expect(recheckFindings([earlier], now)).toEqual([
      {
        kind: 'table-depends',
        earlier: [figures.earlier],
        now: { budget: 16, survivedMs: 349 * S, evictedMs: 351 * S, unansweredShare: 0, tests: 2 },
      },
    ]);
  });

  it(
    'calls it loss on the path when the re-check loses as ' +
      'much, and undecided when it loses less but not clearly',
    () => {
      const same = { ...BRACKET, loMs: 305 * S, hiMs: 306 * S };
      const lossy = tests(1, 900, '200x 201x 202x 203+ 305+ 306x');
      const lost = { budget: 16, bracket: same, records: lossy, lossSuspects: new Set(lossy.slice(0, 3)) };
      expect(recheckFindings([{ ...earlier, triggerPValue: 0.02 }], lost).map((f) => f.kind)).toEqual([
        'recheck-loss',
      ]);
      const more = tests(1, 900, '200x 201+ 202+ 203+ 204+ 205+ 206+ 207+ 305+ 306x');
      const fewer = { ...lost, records: more, lossSuspects: new Set(more.slice(0, 1)) };
      expect(recheckFindings([{ ...earlier, triggerPValue: 0.02 }], fewer).map((f) => f.kind)).toEqual([
        'recheck-same',
      ]);
    },
  );

  it('plans the budget another direction re-checks with, and marks the pass as cut short by it', () => {
    const plan = planRecheck(pass(26, 0, 104, 0), LIMITS, 1000 * S, 4);
    expect(plan.budget).toBe(4);
    expect(plan.summary.shared).toBe(true);
  });

  it("calls a shared re-check the other direction's, not loss, when this pass had nothing to compare", () => {
    const quiet: PassSummary = {
      ...earlier,
      survivedMs: 43 * S,
      evictedMs: null,
      firstTests: { tests: 30, unanswered: 0 },
      triggerPValue: 1,
      shared: true,
    };
    const lossy = tests(1, 900, '200x 349+ 351x');
    const now = { budget: 16, bracket: BRACKET, records: lossy, lossSuspects: new Set(lossy.slice(0, 1)) };
    expect(recheckFindings([quiet], now).map((f) => f.kind)).toEqual(['recheck-shared']);
    expect(recheckFindings([{ ...quiet, shared: false }], now).map((f) => f.kind)).toEqual(['recheck-loss']);
    const moved = { ...quiet, survivedMs: 20 * S, evictedMs: 21 * S };
    expect(
      recheckFindings([moved], cleanRecheck(16)).map((f) => f.kind),
      'its own answer moved',
    ).toEqual(['table-depends']);
  });

  it('makes one finding of a chain of re-checks that all found a full table', () => {
    const now = cleanRecheck(4);
    const findings = recheckFindings([earlier, { ...earlier, budget: 16 }], now);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.kind).toBe('table-depends');
    expect(findings[0]?.kind === 'table-depends' && findings[0].earlier.map((e) => e.budget)).toEqual([
      128, 16,
    ]);
  });
});
