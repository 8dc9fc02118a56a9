/**
 * A full table is the run's (client/search/shared-table.ts): the pure rule, the engine's side of
 * it, and the case it exists for, a table of 16 with both directions searched, on the simulated
 * clock over RTTs and timeouts where it used to end on an answer of about 20 s.
 */
import { describe, expect, it } from 'vitest';
import { mustShareRecheck, sharedRecheckBudget } from '../../../client/search/shared-table.js';
import { createSearch, defaultResolutionMs } from '../../../client/search/search-config.js';
import { settledBy } from '../../../client/search/settle.js';
import type { PassBudget, SearchProgress } from '../../../client/search/types.js';
import { SharpTimeout, TableLimit } from '../../../bench/simulation/middlebox-models.js';
import { DEFAULT_SIMULATION, simulate } from '../../../bench/simulation/virtual-driver.js';

const S = 1000;
const pass = (budget: number, recheck: boolean, finished = false): PassBudget => ({
  budget,
  recheck,
  finished,
});

describe('mustShareRecheck', () => {
  it('asks nothing while no direction re-checks', () => {
    expect(sharedRecheckBudget([pass(128, false), pass(128, false)])).toBeNull();
    expect(mustShareRecheck([pass(128, false), pass(128, false, true), null])).toEqual([]);
  });

  it('brings a running direction down to the smallest re-check', () => {
    expect(mustShareRecheck([pass(16, true), pass(128, false)])).toEqual([{ index: 1, budget: 16 }]);
    expect(mustShareRecheck([pass(16, true), pass(4, true)])).toEqual([{ index: 0, budget: 16 / 4 }]);
    expect(mustShareRecheck([pass(16, true), pass(16, true)]), 'already level').toEqual([]);
  });

  it('reopens a finished re-check with more connections, never a first pass that finished', () => {
    expect(mustShareRecheck([pass(4, true), pass(16, true, true)])).toEqual([{ index: 1, budget: 4 }]);
    expect(mustShareRecheck([pass(16, true), pass(128, false, true)])).toEqual([]);
    expect(mustShareRecheck([pass(16, true), null]), 'a baseline never re-checks').toEqual([]);
  });
});

describe('the engine shares a re-check', () => {
  const search = (direction: 'inbound' | 'outbound'): ReturnType<typeof createSearch> =>
    createSearch({
      direction,
      minMs: 1 * S,
      maxMs: 7440 * S,
      resolutionMs: defaultResolutionMs,
      maxConnections: 128,
    });

  it('re-checks with the budget it is given, closing its clocks and opening a smaller pool', () => {
    const engine = search('outbound');
    const first = engine.decide(0);
    expect(first.actions.filter((a) => a.type === 'open')).toHaveLength(128);
    expect(engine.passBudget()).toEqual({ budget: 128, recheck: false, finished: false });
    engine.shareRecheck(16);
    const { actions } = engine.decide(10);
    expect(actions.filter((a) => a.type === 'close')).toHaveLength(128);
    expect(engine.passBudget()).toEqual({ budget: 16, recheck: true, finished: false });
    engine.shareRecheck(16);
    expect(
      engine.decide(20).actions.filter((a) => a.type === 'close'),
      'level: nothing to do',
    ).toEqual([]);
  });

  it('a finished first pass keeps its answer', () => {
    const engine = search('inbound');
    engine.decide(0);
    engine.abort('test over');
    engine.shareRecheck(16);
    expect(engine.passBudget()).toEqual({ budget: 128, recheck: false, finished: true });
  });

  it('no direction is settled while one re-checks: its answer waits for the shared table', () => {
    const progress = (over: Partial<SearchProgress>): SearchProgress => ({
      direction: 'inbound',
      survivedMs: 20 * S,
      evictedMs: 21 * S,
      connections: { idle: 0, probing: 0, opening: 0 },
      evicted: 1,
      finished: true,
      etaMs: null,
      oldestIdleMs: null,
      ...over,
    });
    const running = progress({ direction: 'outbound', survivedMs: 30 * S, evictedMs: null, finished: false });
    expect(settledBy([progress({}), running])).toBe('inbound');
    expect(settledBy([progress({ recheck: true }), running])).toBeNull();
    expect(settledBy([progress({}), { ...running, recheck: true }])).toBeNull();
  });
});

describe('a table of 16, both directions searched at 128 each', () => {
  // Before the shared re-check, 12 of these 24 runs ended with a direction on about 13 to 30 s.
  const cases = [30, 40, 50, 60].flatMap((rttMs) =>
    [330, 350, 370].map((t) => ({ rttMs, timeoutMs: t * S })),
  );

  it.each(cases)('RTT $rttMs ms, T = $timeoutMs ms: both brackets hold T', ({ rttMs, timeoutMs }) => {
    const engines = [
      createSearch({
        direction: 'inbound',
        minMs: S,
        maxMs: 7440 * S,
        resolutionMs: defaultResolutionMs,
        maxConnections: 128,
      }),
      createSearch({
        direction: 'outbound',
        minMs: S,
        maxMs: 7440 * S,
        resolutionMs: defaultResolutionMs,
        maxConnections: 128,
      }),
    ];
    const model = new TableLimit(new SharpTimeout(timeoutMs, 'drop'), 16);
    const stats = simulate(engines, model, { ...DEFAULT_SIMULATION, rttMs, limitMs: 48 * 3600 * S });
    expect(stats.hitLimit).toBe(false);
    for (const engine of engines) {
      const r = engine.result();
      expect(r.survivedMs as number, r.direction).toBeLessThanOrEqual(timeoutMs);
      expect(r.evictedMs as number, r.direction).toBeGreaterThanOrEqual(timeoutMs);
    }
  });
});
