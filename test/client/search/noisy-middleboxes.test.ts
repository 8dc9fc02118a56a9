/**
 * The search against noisy middleboxes on the simulated clock: each behaviour from the search
 * issue, many seeds or phases each, with the connection budget split between both directions
 * or given whole to one (the bench's setting), asserting that the bracket contains the truth and that the
 * notes name what happened. Seeds and phases are consecutive, not picked.
 */
import { describe, expect, it } from 'vitest';
import { createSearch, defaultResolutionMs } from '../../../client/search/search-config.js';
import { resultNotes } from '../../../client/report/findings-text.js';
import {
  DirectionalTimeout,
  LossyPath,
  PeriodicSweep,
  SharpTimeout,
  TableLimit,
  type MiddleboxModel,
} from '../../../bench/simulation/middlebox-models.js';
import { simulate } from '../../../bench/simulation/virtual-driver.js';
import type { Direction, DirectionResult } from '../../../client/search/types.js';

const S = 1000;

/** Both directions at 128 connections each (the default budget split), or one direction with all 256. */
function run(
  model: MiddleboxModel,
  directions: readonly Direction[] = ['inbound', 'outbound'],
): { results: DirectionResult[]; elapsedMs: number } {
  const budget = directions.length === 1 ? 256 : 128;
  const searches = directions.map((direction) =>
    createSearch({ direction, minMs: 1 * S, maxMs: 7440 * S, maxConnections: budget }),
  );
  const stats = simulate(searches, model);
  expect(stats.hitLimit, 'the simulation ends by itself').toBe(false);
  return { results: searches.map((search) => search.result()), elapsedMs: stats.elapsedMs };
}

function expectContains(r: DirectionResult, fromMs: number, toMs: number): void {
  expect(r.survivedMs, `${r.direction}: survived bound exists`).not.toBeNull();
  expect(r.evictedMs, `${r.direction}: evicted bound exists`).not.toBeNull();
  expect(r.survivedMs as number, `${r.direction}: survived ${r.survivedMs} <= ${fromMs}`).toBeLessThanOrEqual(
    fromMs,
  );
  expect(r.evictedMs as number, `${r.direction}: evicted ${r.evictedMs} >= ${toMs}`).toBeGreaterThanOrEqual(
    toMs,
  );
  // Never a bracket its own observations contradict: nothing survived at or past the evicted
  // bound, and nothing that cannot be a lost probe (an RST, a FIN) died at or below the survived one.
  const survivedPast = r.observations.filter((o) => o.survived && o.idleMs >= (r.evictedMs as number));
  expect(survivedPast, `${r.direction}: survivals at or past the evicted bound`).toEqual([]);
  const strongBelow = r.observations.filter(
    (o) => !o.survived && o.how !== 'silent-drop' && o.idleMs <= (r.survivedMs as number),
  );
  expect(strongBelow, `${r.direction}: resets or closes at or below the survived bound`).toEqual([]);
}

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

describe('noisy middleboxes on the simulated clock', () => {
  describe.each(SEEDS)('probe loss, seed %i', (seed) => {
    for (const rate of [0.01, 0.05]) {
      for (const directions of [['inbound', 'outbound'], ['inbound']] as const) {
        it(
          `${rate * 100}% loss on T = 350 s, ${directions.join(' and ')}: ` +
            `the bracket contains T and the notes name the loss`,
          () => {
            const { results } = run(new LossyPath(new SharpTimeout(350 * S, 'drop'), rate, seed), directions);
            for (const r of results) {
              expectContains(r, 350 * S, 350 * S);
              const setAside = r.observations.some(
                (o) => !o.survived && o.how === 'silent-drop' && o.idleMs < 340 * S,
              );
              // Every unanswered test well below T was loss, and the report must name it as such.
              if (setAside)
                expect(resultNotes(r).join(' '), `${r.direction} notes`).toMatch(
                  /went unanswered|loss on the path/,
                );
              expect(resultNotes(r).join(' '), `${r.direction}: loss is not a sweep`).not.toContain(
                'sweep granularity',
              );
              expect(resultNotes(r).join(' '), `${r.direction}: loss is not a full table`).not.toContain(
                'evictions depend on the number',
              );
            }
          },
        );
      }
    }
  });

  it.each([60, 3600])(
    '5%% loss on T = %i s: the bracket contains T and nothing else is blamed',
    (timeoutS) => {
      for (const seed of [1, 2, 3]) {
        const { results } = run(new LossyPath(new SharpTimeout(timeoutS * S, 'drop'), 0.05, seed));
        for (const r of results) {
          expectContains(r, timeoutS * S, timeoutS * S);
          expect(resultNotes(r).join(' '), `seed ${seed} ${r.direction}`).not.toMatch(
            /sweep granularity|evictions depend on the number/,
          );
        }
      }
    },
  );

  it('5% loss on a NAT that resets: the RSTs are believed, the silent losses set aside', () => {
    for (const seed of [1, 2, 3]) {
      const { results } = run(new LossyPath(new SharpTimeout(350 * S, 'reset'), 0.05, seed));
      for (const r of results) {
        expectContains(r, 350 * S, 350 * S);
        expect(resultNotes(r).join(' '), `seed ${seed} ${r.direction}`).not.toMatch(
          /sweep granularity|evictions depend on the number/,
        );
      }
      // Outbound tests see the RST at T; inbound pushes are dropped silently there (see the driver).
      expect(results[1]?.eviction, `seed ${seed}: outbound eviction kind`).toBe('reset');
    }
  });

  it(
    'a full connection table (capacity 64, 256 connections): the ' +
      'notes say evictions depend on the number of connections',
    () => {
      const { results, elapsedMs } = run(new TableLimit(new SharpTimeout(350 * S, 'drop'), 64));
      for (const r of results) {
        expectContains(r, 350 * S, 350 * S);
        expect(resultNotes(r).join(' '), `${r.direction} notes`).toContain(
          'evictions depend on the number of open connections',
        );
        expect(resultNotes(r).join(' ')).toMatch(/results at 128 and 16 connections differ/);
      }
      // First tests evicted at 1 s while others live for a minute: the re-check starts then, without
      // waiting about 2 T for the first pass to finish (virtual time, as the search saw it).
      expect(elapsedMs, 'virtual time').toBeLessThan(2 * 350 * S);
    },
  );

  it(
    'a table too small for the re-check (capacity 16, both directions re-checking at 16 each): a ' +
      'second re-check with 4 finds T',
    () => {
      const { results } = run(new TableLimit(new SharpTimeout(350 * S, 'drop'), 16));
      for (const r of results) {
        expectContains(r, 350 * S, 350 * S);
        expect(resultNotes(r).join(' '), `${r.direction} notes`).toMatch(
          /results at 128, 16 and 4 connections differ/,
        );
      }
    },
  );

  it(
    'a table of 32 with both directions searched: they re-check together at 16 (shared-table.ts), ' +
      'which fits it, and both find T',
    () => {
      const { results } = run(new TableLimit(new SharpTimeout(350 * S, 'drop'), 32));
      for (const r of results) {
        expectContains(r, 350 * S, 350 * S);
        const notes = resultNotes(r).join(' ');
        expect(notes, `${r.direction} notes`).toMatch(/results at 128 and 16 connections differ/);
        expect(notes, 'no second re-check: two re-checks of 16 at once fit a table of 32').not.toMatch(
          /and 4 connections/,
        );
      }
    },
  );

  it(
    'a table barely too small (capacity 200): the bracket ' +
      'contains T and a full table is never called loss',
    () => {
      const { results } = run(new TableLimit(new SharpTimeout(350 * S, 'drop'), 200));
      for (const r of results) {
        expectContains(r, 350 * S, 350 * S);
        expect(resultNotes(r).join(' '), `${r.direction} notes`).not.toContain('so it is loss on the path');
      }
      const recheckedNote = /re-checked with 16 connections|results at 128 and 16 connections differ/;
      expect(
        results.some((r) => recheckedNote.test(resultNotes(r).join(' '))),
        'the table was noticed and re-checked',
      ).toBe(true);
    },
  );

  it('a timeout that differs by direction is reported per direction', () => {
    const {
      results: [inbound, outbound],
    } = run(new DirectionalTimeout(120 * S, 300 * S));
    expectContains(inbound as DirectionResult, 120 * S, 120 * S);
    expectContains(outbound as DirectionResult, 300 * S, 300 * S);
    const width = (r: DirectionResult): number => (r.evictedMs as number) - (r.survivedMs as number);
    expect(width(inbound as DirectionResult)).toBeLessThanOrEqual(defaultResolutionMs(120 * S));
    expect(width(outbound as DirectionResult)).toBeLessThanOrEqual(defaultResolutionMs(300 * S));
  });

  // Evictions happen between T and T + G, at many collector phases, with the budget split or whole.
  describe.each([
    {
      timeoutS: 300,
      periodS: 10,
      directions: ['inbound', 'outbound'] as const,
      phases: SEEDS.map((i) => i * 530),
    },
    {
      timeoutS: 300,
      periodS: 10,
      directions: ['inbound'] as const,
      phases: SEEDS.slice(0, 10).map((i) => i * 1700),
    },
    {
      timeoutS: 60,
      periodS: 5,
      directions: ['inbound', 'outbound'] as const,
      phases: SEEDS.slice(0, 10).map((i) => i * 370),
    },
    {
      timeoutS: 1200,
      periodS: 30,
      directions: ['inbound', 'outbound'] as const,
      phases: SEEDS.slice(0, 10).map((i) => i * 2900),
    },
    // Sweeps long against T: too few clocks to watch every phase; the sawtooth bounds the zone.
    {
      timeoutS: 300,
      periodS: 20,
      directions: ['inbound'] as const,
      phases: SEEDS.slice(0, 10).map((i) => i * 1030),
    },
    {
      timeoutS: 120,
      periodS: 30,
      directions: ['inbound', 'outbound'] as const,
      phases: SEEDS.slice(0, 10).map((i) => i * 1530),
    },
    {
      timeoutS: 3600,
      periodS: 60,
      directions: ['inbound', 'outbound'] as const,
      phases: SEEDS.slice(0, 5).map((i) => i * 3100),
    },
  ])(
    'periodic sweep T = $timeoutS s, G = $periodS s, $directions',
    ({ timeoutS, periodS, directions, phases }) => {
      it.each(phases)(
        'phase %i ms: the bracket contains [T, T + G] and the notes name the sweep',
        (phaseMs) => {
          const { results } = run(new PeriodicSweep(timeoutS * S, periodS * S, phaseMs), directions);
          for (const r of results) {
            expectContains(r, timeoutS * S, (timeoutS + periodS) * S);
            expect(resultNotes(r).join(' '), `${r.direction} notes`).toContain('sweep granularity about');
            expect(r.confidence).toBeLessThan(1);
          }
        },
      );
    },
  );
});
