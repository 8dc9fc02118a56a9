import { describe, expect, it } from 'vitest';
import { IdleSearch } from '../../../client/search/idle-search.js';
import { resultNotes } from '../../../client/report/findings-text.js';
import {
  createSearch,
  defaultResolutionMs,
  searchConfigFor,
  type SearchOptions,
} from '../../../client/search/search-config.js';
import { SharpTimeout } from '../../../bench/simulation/middlebox-models.js';
import type { MiddleboxMode } from '../../../client/demo/middlebox-mode.js';
import { simulate, DEFAULT_SIMULATION } from '../../../bench/simulation/virtual-driver.js';
import type { Direction, ProbeOutcome } from '../../../client/search/types.js';

const S = 1000;

function engines(
  overrides: Partial<SearchOptions> = {},
  directions: Direction[] = ['inbound', 'outbound'],
): IdleSearch[] {
  return directions.map((direction) =>
    createSearch({ direction, minMs: 1 * S, maxMs: 7440 * S, maxConnections: 128, ...overrides }),
  );
}

const expectedKind: Record<MiddleboxMode, string> = {
  drop: 'silent-drop',
  reset: 'reset',
  close: 'close',
  loose: 'reset',
};

describe('IdleSearch on a simulated clock', () => {
  for (const timeoutS of [7, 350, 3600]) {
    for (const mode of ['drop', 'reset', 'close'] as const) {
      it(`brackets T = ${timeoutS} s (${mode}) within the resolution, in both directions`, () => {
        const searches = engines();
        const stats = simulate(searches, new SharpTimeout(timeoutS * S, mode));
        expect(stats.hitLimit, 'simulation must end by itself').toBe(false);
        for (const search of searches) {
          const r = search.result();
          expect(r.survivedMs, `${r.direction} survived bound`).not.toBeNull();
          expect(r.evictedMs, `${r.direction} evicted bound`).not.toBeNull();
          const lo = r.survivedMs as number;
          const hi = r.evictedMs as number;
          expect(lo, `${r.direction}: survived ${lo} must be <= T`).toBeLessThanOrEqual(timeoutS * S);
          // A FIN from a terminating proxy arrives half an RTT after the timer fires.
          expect(hi, `${r.direction}: evicted ${hi} must be >= T`).toBeGreaterThanOrEqual(timeoutS * S);
          expect(hi - lo, `${r.direction}: width`).toBeLessThanOrEqual(defaultResolutionMs(hi));
          // Outbound tests on a reset middlebox see the RST; inbound pushes are dropped silently there.
          const kind = mode === 'reset' && r.direction === 'inbound' ? 'silent-drop' : expectedKind[mode];
          expect(r.eviction, `${r.direction} eviction kind`).toBe(kind);
        }
        expect(stats.elapsedMs, 'wall time on the virtual clock').toBeLessThanOrEqual(
          1.1 * timeoutS * S + 10 * S,
        );
      });
    }
  }

  // A busy machine dates a survival late (the demo's emulator under CI load dated events up to
  // 103 ms off): a test just below T reads as past the idle where the middlebox closed other
  // connections, and no clock can ever test beyond T. Taken at face value, that search gave up only
  // at its deadline (4 x --max + 2 min: 360 s here, for T = 3 s).
  it(
    'ends, and ends the bracket at the close, ' +
      'when survivals are dated 100 ms late on a closing middlebox',
    () => {
      const lateMs = 100;
      class LateDatedSurvivals extends IdleSearch {
        override outcome(conn: number, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): void {
          super.outcome(
            conn,
            nowMs,
            outcome,
            outcome.survived && testedAtMs !== undefined ? testedAtMs + lateMs : testedAtMs,
          );
        }
      }
      for (const timeoutS of [3, 8, 20]) {
        const searches = (['inbound', 'outbound'] as const).map(
          (direction) =>
            new LateDatedSurvivals(
              searchConfigFor({ direction, minMs: 1 * S, maxMs: 60 * S, maxConnections: 128 }),
            ),
        );
        const stats = simulate(searches, new SharpTimeout(timeoutS * S, 'close'), {
          ...DEFAULT_SIMULATION,
          limitMs: 3600 * S,
        });
        expect(stats.hitLimit, `T = ${timeoutS} s: the simulation ends by itself`).toBe(false);
        for (const search of searches) {
          const r = search.result();
          expect(r.evictedMs, `T = ${timeoutS} s ${r.direction}: evicted bound`).not.toBeNull();
          expect(
            Math.abs((r.evictedMs as number) - timeoutS * S),
            `T = ${timeoutS} s ${r.direction}: evicted at the close`,
          ).toBeLessThanOrEqual(50);
          expect(r.survivedMs as number, `T = ${timeoutS} s ${r.direction}: survived`).toBeLessThanOrEqual(
            timeoutS * S + lateMs,
          );
          if (resultNotes(r).some((n) => n.includes('timing')))
            expect(resultNotes(r).join(' ')).toMatch(
              /survived up to \d+ ms past the idle at which the middlebox reset or closed/,
            );
        }
        expect(stats.elapsedMs, `T = ${timeoutS} s: virtual time`).toBeLessThanOrEqual(
          1.1 * timeoutS * S + 10 * S,
        );
      }
    },
  );

  it('on a loose NAT finds the inbound timeout and reports outbound surviving up to --max', () => {
    const searches = engines({ maxMs: 120 * S });
    simulate(searches, new SharpTimeout(30 * S, 'loose'));
    const [inbound, outbound] = searches.map((s) => s.result());
    expect(inbound?.evictedMs).toBeGreaterThanOrEqual(30 * S);
    expect(inbound?.survivedMs).toBeLessThanOrEqual(30 * S);
    expect(inbound?.eviction).toBe('reset');
    expect(outbound?.evictedMs, 'outbound never dies on a loose NAT').toBeNull();
    expect(outbound?.survivedMs).toBeGreaterThanOrEqual(120 * S);
  });

  it('reports nothing evicted when the timeout is beyond --max', () => {
    const searches = engines({ maxMs: 60 * S }, ['inbound']);
    const stats = simulate(searches, new SharpTimeout(600 * S, 'drop'));
    const r = searches[0]?.result();
    expect(r?.evictedMs).toBeNull();
    expect(r?.survivedMs).toBeGreaterThanOrEqual(60 * S);
    expect(stats.elapsedMs).toBeLessThan(70 * S);
  });

  it('reports nothing survived when even --min is evicted', () => {
    const searches = engines({ minMs: 5 * S, maxMs: 60 * S }, ['outbound']);
    simulate(searches, new SharpTimeout(2 * S, 'reset'));
    const r = searches[0]?.result();
    expect(r?.survivedMs).toBeNull();
    expect(r?.evictedMs).toBeGreaterThanOrEqual(5 * S);
    expect(r?.evictedMs).toBeLessThan(5.5 * S);
  });

  it('honours an absolute resolution', () => {
    const searches = engines({ resolutionMs: () => 200 }, ['outbound']);
    simulate(searches, new SharpTimeout(42_300, 'drop'));
    const r = searches[0]?.result();
    expect((r?.evictedMs as number) - (r?.survivedMs as number)).toBeLessThanOrEqual(200);
    expect(r?.survivedMs).toBeLessThanOrEqual(42_300);
    expect(r?.evictedMs).toBeGreaterThanOrEqual(42_300);
  });

  it('never holds more connections than its budget', () => {
    const searches = engines({ maxConnections: 16 }, ['inbound']);
    const stats = simulate(searches, new SharpTimeout(300 * S, 'drop'));
    expect(stats.peakConcurrent).toBeLessThanOrEqual(16);
    expect(searches[0]?.result().peakConnections).toBeLessThanOrEqual(16);
    const r = searches[0]?.result();
    expect(r?.evictedMs).toBeGreaterThanOrEqual(300 * S);
    expect(r?.survivedMs).toBeLessThanOrEqual(300 * S);
  });

  it('rejects an impossible configuration', () => {
    expect(() =>
      createSearch({
        direction: 'inbound',
        minMs: 10,
        maxMs: 5,
        resolutionMs: () => 1,
        maxConnections: 4,
      }),
    ).toThrow(RangeError);
    expect(() =>
      createSearch({
        direction: 'inbound',
        minMs: 1,
        maxMs: 5,
        resolutionMs: () => 1,
        maxConnections: 1,
      }),
    ).toThrow(RangeError);
  });

  it('uses the default simulation timing the bench documents', () => {
    expect(DEFAULT_SIMULATION.graceMs).toBeGreaterThan(DEFAULT_SIMULATION.rttMs);
  });
});
