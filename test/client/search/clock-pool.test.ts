import { describe, expect, it } from 'vitest';
import { ClockPool } from '../../../client/search/clock-pool.js';
import type { SearchAction } from '../../../client/search/types.js';

const S = 1000;

/** A pool with `idleSinceS.length` idle clocks, idle since those instants. */
function poolOf(idleSinceS: number[]): { pool: ClockPool; actions: SearchAction[] } {
  const pool = new ClockPool();
  const actions: SearchAction[] = [];
  for (const s of idleSinceS) pool.opened(pool.open(actions).id, s * S);
  return { pool, actions };
}

describe('ClockPool', () => {
  it('records a survivor as idle again from its reply, and dates a test by when it crossed', () => {
    const { pool, actions } = poolOf([0]);
    const [clock] = pool.all();
    pool.probe(clock!, 10 * S, 3, actions);
    expect(pool.counts()).toEqual({ idle: 0, probing: 1, opening: 0 });
    const reading = pool.outcome(clock!.id, 10.2 * S, { survived: true }, 10.1 * S);
    expect(reading).toEqual({
      observation: {
        conn: clock!.id,
        idleMs: 10.1 * S,
        atMs: 10 * S,
        survived: true,
        how: null,
        spontaneous: false,
      },
      batch: 3,
      first: true,
    });
    expect(pool.all()[0]?.idleSinceMs, 'idle again from the reply').toBe(10.2 * S);
    pool.probe(clock!, 20 * S, 4, actions);
    expect(
      pool.outcome(clock!.id, 20 * S, { survived: false, how: 'reset' })?.first,
      'no longer a first test',
    ).toBe(false);
    expect(pool.size, 'an evicted clock is gone').toBe(0);
    expect(actions.map((a) => a.type)).toEqual(['open', 'probe', 'probe']);
  });

  it('records a death while idle as a spontaneous eviction, and ignores reports for unknown clocks', () => {
    const { pool } = poolOf([5]);
    const [clock] = pool.all();
    expect(pool.diedIdle(clock!.id, 65 * S, 'close')?.observation).toMatchObject({
      idleMs: 60 * S,
      atMs: 65 * S,
      survived: false,
      how: 'close',
      spontaneous: true,
    });
    expect(pool.diedIdle(clock!.id, 70 * S, 'close')).toBeNull();
    expect(pool.outcome(99, 70 * S, { survived: true })).toBeNull();
  });

  it('probes the youngest clock past each target in one batch, and says when the next one crosses', () => {
    const { pool } = poolOf([0, 5, 8]);
    const actions: SearchAction[] = [];
    // At 20 s the clocks offer 20, 15 and 12 s of idle.
    const wake = pool.probeTargets(
      [
        { atMs: 14 * S, untilMs: 30 * S },
        { atMs: 25 * S, untilMs: 40 * S },
      ],
      20 * S,
      7,
      actions,
    );
    expect(actions).toEqual([{ type: 'probe', conn: 2 }]);
    expect(wake, 'the oldest clock reaches 25 s at 25 s').toBe(25 * S);
    const none: SearchAction[] = [];
    pool.probeTargets(
      [
        { atMs: 10 * S, untilMs: 30 * S },
        { atMs: 50 * S, untilMs: 60 * S, anchor: true },
      ],
      20 * S,
      8,
      none,
    );
    expect(none, 'an anchor without a clock holds its whole batch back').toEqual([]);
  });

  it('refills to its budget, in waves when given them, and stops after too many failed opens', () => {
    const pool = new ClockPool();
    const actions: SearchAction[] = [];
    const waves = [
      { atMs: 0, upTo: 2 },
      { atMs: 10 * S, upTo: 4 },
    ];
    expect(pool.refill(0, 4, waves, 4, actions), 'the next wave').toBe(10 * S);
    expect(pool.size).toBe(2);
    expect(pool.refill(10 * S, 4, waves, 4, actions)).toBeNull();
    expect(pool.size).toBe(4);
    for (const c of pool.all()) pool.openFailed(c.id);
    pool.refill(11 * S, 4, [], 4, actions);
    pool.openFailed(pool.all()[0]!.id);
    expect(pool.openFailures).toBe(5);
    const more: SearchAction[] = [];
    expect(pool.refill(12 * S, 4, [], 4, more)).toBeNull();
    expect(more, 'more failures than the budget: no more opens').toEqual([]);
    expect(pool.peakConnections).toBe(4);
  });

  it('retires the oldest stale clocks for fresh ones, keeping a quarter of the budget in reserve', () => {
    const { pool } = poolOf([0, 1, 2, 3, 4, 5, 6, 7]);
    const actions: SearchAction[] = [];
    // At 100 s every clock is past the targets' ceiling of 50 s: stale.
    pool.retireStale([{ atMs: 40 * S, untilMs: 50 * S }], 100 * S, 8, actions);
    expect(actions, 'three wanted (targets + 2), the two youngest kept').toEqual([
      { type: 'close', conn: 1 },
      { type: 'close', conn: 2 },
      { type: 'close', conn: 3 },
    ]);
    const frontier: SearchAction[] = [];
    pool.retireStale([{ atMs: 40 * S, untilMs: Number.POSITIVE_INFINITY }], 100 * S, 8, frontier);
    expect(frontier, 'every clock serves the frontier').toEqual([]);
  });
});
