import { describe, expect, it } from 'vitest';
import { judge, SWEEP_MIN_DEPTH_MS } from '../../../client/search/evidence.js';
import type { TestRecord } from '../../../client/search/pass-record.js';
import {
  planSweep,
  sawtoothTargets,
  withSweepBatch,
  type SweepInput,
} from '../../../client/search/sweep-planner.js';
import { NO_SWEEP, sweepZoneBounds, type SweepState } from '../../../client/search/sweep-zone.js';
import { LIMITS, S, tests } from './pass-fixtures.js';

/** A frontier that survived to 96 s, then a death at 98 s under a survival at 100 s, and one at 104 s. */
function suspected(): TestRecord[] {
  return [...tests(1, 100, '90+ 94+ 96+', true), ...tests(2, 300, '100+ 98x 104x')];
}

function input(records: TestRecord[], nowMs: number, pending = false): SweepInput {
  const judgement = judge(records, Number.NEGATIVE_INFINITY, SWEEP_MIN_DEPTH_MS);
  return { judgement, records, pending, nowMs, limits: LIMITS };
}

/** Batches launched at `atS`, numbered from `first`, as the engine records them in the sweep state. */
function launched(sweep: SweepState, batches: [number, number][]): SweepState {
  return batches.reduce((s, [batch, atS]) => withSweepBatch(s, batch, atS * S), sweep);
}

/** Batches at one instant each with the boundary at `boundaryS` (a sweep's moving boundary). */
function sweepBatches(boundariesS: number[], firstBatch: number, atS: number): TestRecord[] {
  const idles = [95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 106];
  return boundariesS.flatMap((b, i) =>
    tests(firstBatch + i, atS + 2 * i, idles.map((x) => `${x}${x < b ? '+' : 'x'}`).join(' ')),
  );
}

describe('planSweep', () => {
  it('tests the whole suspected zone a step apart in its first batch, and keeps the state as it was', () => {
    const records = suspected();
    const plan = planSweep(NO_SWEEP, input(records, 400 * S));
    expect(plan.state, 'nothing decided yet').toBe(NO_SWEEP);
    expect(plan.wakeAtMs).toBeNull();
    const atMs = (plan.targets ?? []).map((t) => t.atMs);
    // The zone is (96 s, 104 s]; the step is 1% of its top, 1.04 s.
    expect(atMs[0], 'one step below the zone').toBeCloseTo(94.96 * S, 6);
    expect(Math.max(...atMs), 'two steps above it').toBeGreaterThanOrEqual(104 * S + 2 * 1040 - 1040 / 2);
    for (const t of plan.targets ?? [])
      expect(t.untilMs - t.atMs, 'each target one step wide').toBeCloseTo(1040, 6);
  });

  it('waits a step after the last batch, and for a pending probe without booking a wake-up', () => {
    const records = suspected();
    const sweep = launched(NO_SWEEP, [[7, 399.5]]);
    const plan = planSweep(sweep, input(records, 400 * S));
    expect(plan.targets).toEqual([]);
    expect(plan.wakeAtMs, 'the last batch plus one step').toBe(399.5 * S + 1040);
    expect(planSweep(sweep, input(records, 400 * S, true))).toEqual({
      state: sweep,
      targets: [],
      wakeAtMs: null,
    });
  });

  it(
    'dismisses the sweep when batches survive up to the ' +
      'top, each death alone: loss, decided again at once',
    () => {
      const records = suspected();
      for (let b = 3; b < 12; b++)
        records.push(...tests(b, 300 + b * 2, '96+ 97+ 98+ 99x 99.5+ 100+ 100.2+'));
      const sweep = launched(
        NO_SWEEP,
        Array.from({ length: 9 }, (_, i): [number, number] => [i + 3, 300 + (i + 3) * 2]),
      );
      const batchesBefore = sweep.batches.size;
      const zone = sweepZoneBounds(input(records, 400 * S).judgement, records);
      const plan = planSweep(sweep, input(records, 400 * S));
      expect(plan.state.noSweepAtOrBelowMs, 'contradictions up to the zone top are loss').toBe(zone.hiMs);
      expect(plan.state.batches.size, 'its batches are dropped').toBe(0);
      expect(plan.state.believed).toBe(false);
      expect(plan.targets).toEqual([]);
      expect(plan.wakeAtMs, 'decide again at once').toBe(400 * S + 1);
      expect(sweep.batches.size, 'the state it was given is left alone').toBe(batchesBefore);
    },
  );

  it(
    'believes a boundary that moves from batch to batch with ' +
      'deaths above the zone, and maps it for two periods',
    () => {
      const records = [...suspected(), ...sweepBatches([97, 99, 101, 103, 97.5, 99.5, 101.5], 20, 400)];
      const sweep = launched(
        NO_SWEEP,
        Array.from({ length: 7 }, (_, i): [number, number] => [20 + i, 400 + 2 * i]),
      );
      const early = planSweep(sweep, input(records, 413 * S));
      expect(early.state.believed, 'the odds favour a sweep, and batches died above the zone').toBe(true);
      expect(sweep.believed, 'the state it was given is left alone').toBe(false);
      expect(early.targets, 'batches have not watched two periods of the 7 s zone yet').not.toBeNull();
      const later = planSweep(early.state, input(records, 420 * S));
      expect(later.state.believed, 'the decision stands').toBe(true);
      expect(later.targets, 'two periods watched since a drop was caught: the zone is mapped').toBeNull();
    },
  );

  it('ends a believed sweep once its batches ran out', () => {
    const records = [...suspected(), ...sweepBatches([97, 99, 101, 103, 97.5, 99.5, 101.5], 20, 400)];
    const many = Array.from({ length: 24 }, (_, i): [number, number] => [20 + i, 400 + 2 * i]);
    const believed = { ...launched(NO_SWEEP, many), believed: true };
    expect(planSweep(believed, input(records, 500 * S)).targets, 'the zone is mapped').toBeNull();
  });
});

describe('sawtoothTargets', () => {
  it('follows the boundary the last batch saw, moved on by the time since, with a few tests below', () => {
    const zone = { loMs: 96 * S, hiMs: 104 * S };
    const step = 1 * S;
    // The last batch, 3 s ago, saw the boundary in (99 s, 100 s]: now it is in (102 s, 103 s].
    const targets = sawtoothTargets(
      zone,
      step,
      [{ atMs: 10 * S, floorMs: 99 * S, ceilingMs: 100 * S }],
      13 * S,
      1 * S,
    );
    const band = targets.filter((t) => t.atMs >= 101 * S).map((t) => t.atMs / S);
    expect(band).toEqual([101.5, 102.5, 103.5]);
    const sparse = targets.filter((t) => t.atMs < 101 * S).map((t) => t.atMs / S);
    expect(sparse, 'three tests spread from one step below the zone').toEqual(
      [95, 97.1666666666666, 99.3333333333333].map((x) => expect.closeTo(x, 6)),
    );
  });

  it('reaches lower, twice as far each time, below batches that all died', () => {
    const zone = { loMs: 96 * S, hiMs: 104 * S };
    const allDied = [
      { atMs: 10 * S, floorMs: null, ceilingMs: 95 * S },
      { atMs: 12 * S, floorMs: null, ceilingMs: 95 * S },
    ];
    const targets = sawtoothTargets(zone, 1 * S, allDied, 13 * S, 1 * S);
    expect(Math.min(...targets.map((t) => t.atMs)), 'four steps below the zone').toBe(92 * S);
  });
});
