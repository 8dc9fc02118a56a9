import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectionResult, Finding, Observation } from '../../client/search/types.js';
import {
  QUICK_ROBUSTNESS_RUNS,
  contradictions,
  namesBehaviour,
  robustnessCases,
  robustnessTable,
  type RobustnessRow,
} from '../../bench/robustness.js';

const S = 1000;

/** A re-check's figures, as the findings carry them. */
const EARLIER = { budget: 128, survivedMs: 300 * S, evictedMs: 310 * S, firstTestsUnansweredShare: 0.2 };
const NOW = { budget: 16, survivedMs: 349 * S, evictedMs: 351 * S, unansweredShare: 0, tests: 30 };
const SWEEP: Finding = {
  kind: 'sweep',
  granularityMs: 10 * S,
  atMostMs: null,
  movedMs: null,
  gapMs: null,
  fromMs: null,
};

function observation(
  idleS: number,
  survived: boolean,
  how: Observation['how'] = survived ? null : 'silent-drop',
): Observation {
  return { conn: 1, idleMs: idleS * S, atMs: 0, survived, how, spontaneous: false };
}

function result(
  survivedS: number | null,
  evictedS: number | null,
  observations: Observation[],
  findings: Finding[] = [],
): DirectionResult {
  return {
    direction: 'inbound',
    survivedMs: survivedS === null ? null : survivedS * S,
    evictedMs: evictedS === null ? null : evictedS * S,
    eviction: 'silent-drop',
    confidence: 1,
    findings,
    notes: [],
    probesSent: observations.length,
    connectionsOpened: observations.length,
    peakConnections: observations.length,
    observations,
  };
}

describe('judging one run', () => {
  it('finds observations that contradict the bracket, and only those', () => {
    const clean = result(349, 351, [
      observation(349, true),
      observation(351, false),
      observation(300, false),
    ]);
    expect(contradictions(clean), 'a silent drop below the survived bound can be a lost probe').toEqual([]);
    const survivedPast = observation(351, true);
    const resetBelow = observation(349, false, 'reset');
    const closeBelow = observation(200, false, 'close');
    const bad = result(349, 351, [observation(349, true), survivedPast, resetBelow, closeBelow]);
    expect(contradictions(bad)).toEqual([survivedPast, resetBelow, closeBelow]);
  });

  it('a loss run must blame neither a sweep nor a table, and must name loss when it set a test aside', () => {
    const truth: [number, number] = [350 * S, 350 * S];
    const setAside = [observation(200, false), observation(349, true), observation(351, false)];
    expect(
      namesBehaviour('loss', result(349, 351, setAside), truth),
      'a test well below T set aside without a word',
    ).toBe(false);
    expect(
      namesBehaviour('loss', result(349, 351, setAside, [{ kind: 'probe-loss', count: 1 }]), truth),
    ).toBe(true);
    expect(
      namesBehaviour('loss', result(349, 351, [observation(349, true), observation(345, false)]), truth),
      'unanswered just below T needs no note',
    ).toBe(true);
    expect(namesBehaviour('loss', result(349, 351, [], [SWEEP]), truth)).toBe(false);
    expect(
      namesBehaviour(
        'loss',
        result(349, 351, [], [{ kind: 'table-depends', earlier: [EARLIER], now: NOW }]),
        truth,
      ),
    ).toBe(false);
  });

  it('a sweep and a table must be named; a directional timeout needs no note', () => {
    const truth: [number, number] = [300 * S, 310 * S];
    expect(namesBehaviour('sweep', result(300, 310, [], [SWEEP]), truth)).toBe(true);
    expect(namesBehaviour('sweep', result(300, 310, []), truth)).toBe(false);
    const struck = [observation(70, false), observation(349, true), observation(351, false)];
    expect(
      namesBehaviour(
        'table',
        result(349, 351, struck, [{ kind: 'table-depends', earlier: [EARLIER], now: NOW }]),
        truth,
      ),
    ).toBe(true);
    expect(
      namesBehaviour(
        'table',
        result(349, 351, struck, [{ kind: 'recheck-same', earlier: EARLIER, now: NOW }]),
        truth,
      ),
    ).toBe(true);
    expect(namesBehaviour('table', result(349, 351, struck), truth), 'struck early, and not a word').toBe(
      false,
    );
    expect(
      namesBehaviour(
        'table',
        result(349, 351, struck, [{ kind: 'recheck-loss', earlier: EARLIER, now: NOW }]),
        truth,
      ),
    ).toBe(false);
    expect(
      namesBehaviour('table', result(349, 351, [observation(349, true), observation(351, false)]), truth),
      'never struck early',
    ).toBeNull();
    expect(namesBehaviour('directional', result(119, 121, []), truth)).toBeNull();
  });
});

describe('the robustness table, quick set', () => {
  let rows: RobustnessRow[] = [];
  beforeAll(() => {
    rows = robustnessTable(QUICK_ROBUSTNESS_RUNS);
  });

  it('has one row per case, each with runs; varied cases run every seed or phase', () => {
    expect(rows.map((r) => r.case)).toEqual(robustnessCases().map((c) => c.name));
    for (const r of rows) {
      expect(r.runs, `${r.case}: runs`).toBe(r.simulations * r.directions.length);
      expect(r.simulations, `${r.case}: simulations`).toBe(
        r.varied === 'deterministic' ? 1 : QUICK_ROBUSTNESS_RUNS,
      );
      expect(r.connectionsPerDirection * r.directions.length, `${r.case}: the budget`).toBe(256);
    }
  });

  it('every sweep and loss run holds the truth, is never contradicted and finishes by itself', () => {
    for (const r of rows.filter((x) => x.behaviour === 'sweep' || x.behaviour === 'loss')) {
      const misses = JSON.stringify(r.misses, null, 1);
      const label = `${r.case}, ${r.directions.join('+')}`;
      expect(r.truthInside, `${label}: truth inside; misses ${misses}`).toBe(r.runs);
      expect(r.neverContradicted, `${label}: never contradicted; misses ${misses}`).toBe(r.runs);
      expect(r.cut, `${label}: runs cut at the limit`).toBe(0);
    }
  });
});
