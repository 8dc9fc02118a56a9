/**
 * Provisional evictions (client/search/provisional.ts): a test unanswered well past the RTT is
 * planned as evicted before its grace ends; a late answer withdraws it and the bracket is what
 * the records say. Virtual clock (bench/simulation), SharpTimeout drop, inbound.
 */
import { describe, expect, it } from 'vitest';
import { createSearch, defaultResolutionMs } from '../../../client/search/search-config.js';
import {
  PROVISIONAL_MIN_BUDGET,
  PROVISIONAL_SHORT_IDLE_MS,
  provisionalAfterMs,
  provisionalIdleLimitMs,
  provisionalView,
} from '../../../client/search/provisional.js';
import type { Clock } from '../../../client/search/clock-pool.js';
import type {
  ConnId,
  DirectionResult,
  ProbeOutcome,
  SearchAction,
  SearchEngine,
} from '../../../client/search/types.js';
import { LateAnswers, SharpTimeout } from '../../../bench/simulation/middlebox-models.js';
import { DEFAULT_SIMULATION, simulate } from '../../../bench/simulation/virtual-driver.js';

const S = 1000;
const T = 20 * S;
const { rttMs } = DEFAULT_SIMULATION;

/** Passes everything through, and reads the search's live bracket right after each answer. */
class Watched implements SearchEngine {
  readonly answers: {
    atMs: number;
    survived: boolean;
    survivedMs: number | null;
    evictedMs: number | null;
  }[] = [];
  constructor(readonly inner: ReturnType<typeof createSearch>) {}
  get direction(): SearchEngine['direction'] {
    return this.inner.direction;
  }
  get finished(): boolean {
    return this.inner.finished;
  }
  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null } {
    return this.inner.decide(nowMs);
  }
  opened(conn: ConnId, idleSinceMs: number): void {
    this.inner.opened(conn, idleSinceMs);
  }
  openFailed(conn: ConnId, nowMs: number, reason: string): void {
    this.inner.openFailed(conn, nowMs, reason);
  }
  outcome(conn: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): void {
    this.inner.outcome(conn, nowMs, outcome, testedAtMs);
    const { survivedMs, evictedMs } = this.inner.progress(nowMs);
    this.answers.push({ atMs: nowMs, survived: outcome.survived, survivedMs, evictedMs });
  }
  diedIdle(conn: ConnId, nowMs: number, how: 'silent-drop' | 'reset' | 'close'): void {
    this.inner.diedIdle(conn, nowMs, how);
  }
  forget(conn: ConnId): void {
    this.inner.forget(conn);
  }
  controlRtt(ms: number): void {
    this.inner.controlRtt(ms);
  }
  abort(reason: string): void {
    this.inner.abort(reason);
  }
  result(): DirectionResult {
    return this.inner.result();
  }
  progress(nowMs: number): ReturnType<SearchEngine['progress']> {
    return this.inner.progress(nowMs);
  }
}

/** A search never told the RTT: nothing is ever provisional, every silent drop waits out its grace. */
class Blind extends Watched {
  override controlRtt(): void {}
}

/**
 * How long after the first test that was evicted the search sent its next test: the mark when it
 * planned on the eviction provisionally, the grace or more when it waited for the record. Only
 * tests below the eviction's idle count: the frontier moves on past a pending test either way.
 */
function reactionMs(result: DirectionResult): number {
  const tests = result.observations.filter((o) => !o.spontaneous);
  const first = tests.find((o) => !o.survived) as (typeof tests)[number];
  const next = tests
    .filter((o) => o.atMs > first.atMs && o.idleMs < first.idleMs)
    .reduce((a, b) => (b.atMs < a.atMs ? b : a));
  return next.atMs - first.atMs;
}

function search(maxConnections = PROVISIONAL_MIN_BUDGET): Watched {
  return new Watched(
    createSearch({
      direction: 'inbound',
      minMs: 1 * S,
      maxMs: 120 * S,
      resolutionMs: defaultResolutionMs,
      maxConnections,
    }),
  );
}

describe('provisional evictions', () => {
  it('plan past the mark, and never before an RTT is known', () => {
    expect(provisionalAfterMs(0)).toBeNull();
    expect(provisionalAfterMs(null)).toBeNull();
    const afterMs = provisionalAfterMs(rttMs) as number;
    expect(afterMs, 'several round trips').toBeGreaterThan(3 * rttMs);
    expect(afterMs, 'well inside the grace').toBeLessThan(DEFAULT_SIMULATION.graceMs / 2);
    const clock = (id: number, probeAtMs: number): Clock => ({
      id,
      state: 'probing',
      idleSinceMs: 0,
      probeIdleMs: probeAtMs,
      probeAtMs,
      batch: id,
      survivals: 0,
    });
    const view = provisionalView([clock(1, 1000), clock(2, 1200)], 1000 + afterMs, afterMs);
    expect(
      view.records.map((r) => r.conn),
      'only the test past the mark',
    ).toEqual([1]);
    expect(view.records[0]).toMatchObject({ survived: false, how: 'silent-drop', idleMs: 1000 });
    expect(view.awaitedIdles).toEqual([1200]);
    expect(view.nextAtMs).toBe(1200 + afterMs);
  });

  it('is withdrawn by a late answer: the bracket is what the records say, and holds T', () => {
    // The first test at 17 s idle or more (below T = 20 s) is answered 700 ms late: past the
    // provisional mark (310 ms), before the grace (2 s).
    const delayMs = 700;
    const engine = search();
    simulate([engine], new LateAnswers(new SharpTimeout(T, 'drop'), 17 * S, delayMs), DEFAULT_SIMULATION);
    const r = engine.result();
    const late = r.observations
      .filter((o) => o.survived && o.idleMs >= 17 * S && o.idleMs < T)
      .sort((a, b) => a.atMs - b.atMs)[0];
    expect(late, 'the late-answered test is recorded as survived').toBeDefined();
    const lateIdleMs = (late as (typeof r.observations)[number]).idleMs;
    const lateAtMs = (late as (typeof r.observations)[number]).atMs;
    const markMs = lateAtMs + (provisionalAfterMs(rttMs) as number);
    const answeredAtMs = lateAtMs + rttMs + delayMs;
    // Planned on the provisional eviction: tests below the late one, launched while it was awaited
    // (without it the frontier only climbs past a pending test).
    const plannedBelow = r.observations.filter(
      (o) => o.atMs >= markMs && o.atMs < answeredAtMs && o.idleMs < lateIdleMs && o.idleMs > 10 * S,
    );
    expect(plannedBelow.length, 'tests planned on the provisional eviction').toBeGreaterThan(0);
    // Withdrawn: right after the late answer the live bracket has the survival, no eviction at or below it.
    const after = engine.answers.find((a) => a.atMs === answeredAtMs && a.survived);
    expect(after, 'the late answer was delivered').toBeDefined();
    expect(after?.survivedMs as number).toBeGreaterThanOrEqual(lateIdleMs);
    if (after?.evictedMs !== null) expect(after?.evictedMs as number).toBeGreaterThan(lateIdleMs);
    expect(r.survivedMs as number, 'survived below T').toBeLessThanOrEqual(T);
    expect(r.evictedMs as number, 'evicted at or above T').toBeGreaterThanOrEqual(T);
    expect((r.evictedMs as number) - (r.survivedMs as number)).toBeLessThanOrEqual(defaultResolutionMs(T));
  });

  it('acts on the first eviction at the mark, where a search that waits out every grace waits for it', () => {
    const told = search();
    const stats = simulate([told], new SharpTimeout(T, 'drop'), DEFAULT_SIMULATION);
    const blind = new Blind(search().inner);
    const blindStats = simulate([blind], new SharpTimeout(T, 'drop'), DEFAULT_SIMULATION);
    const afterMs = provisionalAfterMs(rttMs) as number;
    expect(reactionMs(told.result()), 'the next test goes out at the mark').toBeCloseTo(afterMs, 0);
    expect(reactionMs(blind.result()), 'after the grace').toBeGreaterThanOrEqual(DEFAULT_SIMULATION.graceMs);
    expect(
      stats.elapsedMs,
      `${stats.elapsedMs} ms with provisional evictions, ${blindStats.elapsedMs} ms without`,
    ).toBeLessThan(blindStats.elapsedMs - (DEFAULT_SIMULATION.graceMs - afterMs) / 2);
    for (const r of [told.result(), blind.result()]) {
      expect(r.survivedMs as number).toBeLessThanOrEqual(T);
      expect(r.evictedMs as number).toBeGreaterThanOrEqual(T);
    }
  });

  it('with few clocks, plans on short tests only: at the mark at T = 20 s, after the grace at 45 s', () => {
    const few = PROVISIONAL_MIN_BUDGET / 2;
    const run = (timeoutMs: number): DirectionResult => {
      const told = search(few);
      simulate([told], new SharpTimeout(timeoutMs, 'drop'), DEFAULT_SIMULATION);
      const r = told.result();
      expect(r.survivedMs as number).toBeLessThanOrEqual(timeoutMs);
      expect(r.evictedMs as number).toBeGreaterThanOrEqual(timeoutMs);
      return r;
    };
    expect(PROVISIONAL_SHORT_IDLE_MS).toBeGreaterThan(T);
    expect(PROVISIONAL_SHORT_IDLE_MS).toBeLessThan(45 * S);
    expect(reactionMs(run(T))).toBeCloseTo(provisionalAfterMs(rttMs) as number, 0);
    expect(reactionMs(run(45 * S))).toBeGreaterThanOrEqual(DEFAULT_SIMULATION.graceMs);
  });
});

describe('provisionalIdleLimitMs', () => {
  const budget = PROVISIONAL_MIN_BUDGET;

  it('plans on every test of a first pass with the clocks to spare, clean or not', () => {
    for (const clean of [true, false]) {
      expect(provisionalIdleLimitMs({ budget, recheck: false, clean })).toBe(Number.POSITIVE_INFINITY);
      expect(provisionalIdleLimitMs({ budget: 4 * budget, recheck: false, clean })).toBe(
        Number.POSITIVE_INFINITY,
      );
    }
  });

  it('with fewer clocks, only on short tests of a clean pass', () => {
    expect(provisionalIdleLimitMs({ budget: budget - 1, recheck: false, clean: true })).toBe(
      PROVISIONAL_SHORT_IDLE_MS,
    );
    expect(provisionalIdleLimitMs({ budget: budget - 1, recheck: false, clean: false })).toBe(0);
  });

  it('never in a re-check', () => {
    for (const b of [budget, budget - 1, 16])
      expect(provisionalIdleLimitMs({ budget: b, recheck: true, clean: true })).toBe(0);
  });
});

describe('provisionalView with an idle limit', () => {
  it('plans only the tests shorter than the limit as evicted; the rest stay awaited', () => {
    const clock = (id: number, probeIdleMs: number): Clock => ({
      id,
      state: 'probing',
      idleSinceMs: 0,
      probeIdleMs,
      probeAtMs: probeIdleMs,
      batch: id,
      survivals: 0,
    });
    const afterMs = provisionalAfterMs(rttMs) as number;
    const view = provisionalView([clock(1, 10 * S), clock(2, 40 * S)], 50 * S, afterMs, 30 * S);
    expect(view.records.map((r) => r.conn)).toEqual([1]);
    expect(view.awaitedIdles).toEqual([40 * S]);
    expect(view.nextAtMs, 'a test over the limit never turns provisional').toBeNull();
  });
});
