import { describe, expect, it } from 'vitest';
import { defaultResolutionMs } from '../../client/search/search-config.js';
import { SharpTimeout } from '../../bench/simulation/middlebox-models.js';
import type { MiddleboxMode } from '../../client/demo/middlebox-mode.js';
import { DEFAULT_SIMULATION, simulate } from '../../bench/simulation/virtual-driver.js';
import type { DirectionResult } from '../../client/search/types.js';
import { SerialBinarySearch } from '../../bench/strategies/serial-binary.js';
import { LADDER_STEP_MS, LinearLadderSearch } from '../../bench/strategies/linear-ladder.js';
import { KARY_WAITS, KaryRoundsSearch } from '../../bench/strategies/kary-rounds.js';

const S = 1000;
const MAX_MS = 7440 * S;

function expectContains(r: DirectionResult, timeoutMs: number, label: string): void {
  expect(r.evictedMs, `${label}: something must be evicted`).not.toBeNull();
  expect(r.survivedMs ?? 0, `${label}: survived ${r.survivedMs} must be <= T`).toBeLessThanOrEqual(timeoutMs);
  expect(r.evictedMs as number, `${label}: evicted ${r.evictedMs} must be >= T`).toBeGreaterThanOrEqual(
    timeoutMs,
  );
}

function serial(maxMs = MAX_MS): SerialBinarySearch {
  return new SerialBinarySearch({
    direction: 'inbound',
    minMs: 1 * S,
    maxMs,
    resolutionMs: defaultResolutionMs,
  });
}

describe('serial-binary baseline on a simulated clock', () => {
  for (const timeoutS of [5, 350, 3600]) {
    for (const mode of ['drop', 'reset', 'close'] satisfies MiddleboxMode[]) {
      it(`brackets T = ${timeoutS} s (${mode}) within the resolution, one connection at a time`, () => {
        const engine = serial();
        const T = timeoutS * S;
        const stats = simulate([engine], new SharpTimeout(T, mode));
        const r = engine.result();
        expect(stats.hitLimit, 'must finish by itself').toBe(false);
        expectContains(r, T, 'serial');
        const width = (r.evictedMs as number) - (r.survivedMs as number);
        expect(width, 'width within the resolution').toBeLessThanOrEqual(
          defaultResolutionMs(r.evictedMs as number),
        );
        expect(stats.peakConcurrent, 'serial: never two connections at once').toBe(1);
      });
    }
  }

  it('doubles the wait until the first eviction, then bisects the observed bracket', () => {
    const engine = serial();
    const T = 350 * S;
    simulate([engine], new SharpTimeout(T, 'drop'));
    const obs = engine.result().observations;
    const firstEviction = obs.findIndex((o) => !o.survived);
    expect(firstEviction, 'an eviction was seen').toBeGreaterThan(0);
    // Doubling: 1, 2, 4 ... s, each measured where the push crosses (one RTT after the command).
    obs.slice(0, firstEviction + 1).forEach((o, i) => {
      expect(o.idleMs, `doubling test ${i}`).toBeCloseTo(2 ** i * S + DEFAULT_SIMULATION.rttMs, -1);
    });
    expect(obs[firstEviction]?.idleMs, 'first eviction is the first power of two past T').toBeGreaterThan(T);
    expect(obs[firstEviction - 1]?.idleMs, 'last survival below T').toBeLessThan(T);
    // Bisection: each test sits at the midpoint of the bracket observed before it.
    for (let i = firstEviction + 1; i < obs.length; i++) {
      const before = obs.slice(0, i);
      const lo = Math.max(...before.filter((o) => o.survived).map((o) => o.idleMs));
      const hi = Math.min(...before.filter((o) => !o.survived).map((o) => o.idleMs));
      expect(obs[i]?.idleMs, `bisection test ${i}`).toBeCloseTo((lo + hi) / 2 + DEFAULT_SIMULATION.rttMs, -1);
    }
  });

  it('costs the sum of its waits: doubling plus about log2(width / resolution) waits of about T', () => {
    for (const timeoutS of [60, 1200]) {
      const engine = serial();
      const T = timeoutS * S;
      const stats = simulate([engine], new SharpTimeout(T, 'drop'));
      const r = engine.result();
      const waits = r.observations.reduce((sum, o) => sum + o.idleMs, 0);
      expect(
        stats.elapsedMs,
        'nothing overlaps: wall time is at least the sum of the waits',
      ).toBeGreaterThanOrEqual(waits);
      const doublings = r.observations.findIndex((o) => !o.survived) + 1;
      const firstHi = r.observations[doublings - 1]?.idleMs as number;
      const bisections = r.observations.length - doublings;
      const bound = Math.ceil(Math.log2(firstHi / 2 / defaultResolutionMs(T))) + 1;
      expect(bisections, `bisection steps for T=${timeoutS}`).toBeLessThanOrEqual(bound);
      // Every bisection wait is above T/2 and the doubling alone waits at least T: far above 1.1 T.
      expect(stats.elapsedMs, 'serial search costs several T').toBeGreaterThan((1 + bisections / 2) * T);
    }
  });

  it('reports survival up to --max honestly when nothing is evicted', () => {
    const engine = serial(60 * S);
    simulate([engine], new SharpTimeout(600 * S, 'drop'));
    const r = engine.result();
    expect(r.evictedMs).toBeNull();
    expect(r.survivedMs).toBeGreaterThanOrEqual(60 * S);
  });

  it('reuses a survived connection and replaces an evicted one', () => {
    const engine = serial();
    const stats = simulate([engine], new SharpTimeout(30 * S, 'drop'));
    const r = engine.result();
    const evictions = r.observations.filter((o) => !o.survived).length;
    expect(stats.connectionsOpened, 'one connection, plus one per eviction').toBe(1 + evictions);
  });
});

describe('linear-ladder baseline on a simulated clock', () => {
  function ladder(
    stepMs: number,
    stopOnEviction: boolean,
    maxConnections = 256,
    maxMs = MAX_MS,
  ): LinearLadderSearch {
    return new LinearLadderSearch({ direction: 'inbound', maxMs, maxConnections, stepMs, stopOnEviction });
  }

  for (const timeoutS of [90, 350, 3600]) {
    it(`brackets T = ${timeoutS} s within one step, with all rungs open at once`, () => {
      const engine = ladder(LADDER_STEP_MS, false);
      const T = timeoutS * S;
      const stats = simulate([engine], new SharpTimeout(T, 'drop'));
      const r = engine.result();
      expectContains(r, T, 'ladder');
      expect((r.evictedMs as number) - (r.survivedMs as number), 'width = step').toBeCloseTo(
        LADDER_STEP_MS,
        -1,
      );
      expect(engine.rungs, 'N = ceil(max / step)').toBe(Math.ceil(MAX_MS / LADDER_STEP_MS));
      expect(stats.peakConcurrent, 'every rung open at once').toBe(engine.rungs);
      expect(stats.probesSent, 'one test per rung').toBe(engine.rungs);
      expect(stats.elapsedMs, 'the peer runs every rung').toBeGreaterThanOrEqual(
        engine.rungs * LADDER_STEP_MS,
      );
    });
  }

  it('honours a configurable step and a budget cap', () => {
    const engine = ladder(30 * S, false, 20, 3600 * S);
    simulate([engine], new SharpTimeout(200 * S, 'drop'));
    const r = engine.result();
    expect(engine.rungs, 'capped by the budget').toBe(20);
    expectContains(r, 200 * S, 'ladder 30 s');
    expect((r.evictedMs as number) - (r.survivedMs as number)).toBeCloseTo(30 * S, -1);
  });

  it('with stopOnEviction ends one step after T at most', () => {
    const engine = ladder(LADDER_STEP_MS, true);
    const T = 350 * S;
    const stats = simulate([engine], new SharpTimeout(T, 'drop'));
    expectContains(engine.result(), T, 'ladder stop');
    expect(stats.elapsedMs).toBeLessThanOrEqual(
      Math.ceil(T / LADDER_STEP_MS) * LADDER_STEP_MS + DEFAULT_SIMULATION.graceMs + 1000,
    );
  });

  it('reports the first rung evicted with nothing survived when T < step', () => {
    const engine = ladder(LADDER_STEP_MS, true);
    simulate([engine], new SharpTimeout(5 * S, 'drop'));
    const r = engine.result();
    expect(r.survivedMs, 'nothing below one step was tested').toBeNull();
    expect(r.evictedMs).toBeGreaterThanOrEqual(LADDER_STEP_MS);
  });

  it('counts a proxy closing an idle rung by itself as an eviction at that idle', () => {
    const engine = ladder(LADDER_STEP_MS, false, 256, 600 * S);
    simulate([engine], new SharpTimeout(150 * S, 'close'));
    const r = engine.result();
    expectContains(r, 150 * S, 'ladder close');
    expect(
      r.observations.some((o) => o.spontaneous),
      'FINs seen while idle',
    ).toBe(true);
  });
});

describe('k-ary-rounds baseline (the nat_timeout_detect peer) on a simulated clock', () => {
  const kary = (minS: number, maxS: number): KaryRoundsSearch =>
    new KaryRoundsSearch({
      direction: 'inbound',
      minMs: minS * S,
      maxMs: maxS * S,
      resolutionMs: defaultResolutionMs,
    });

  it.each([
    [13, 1, 40],
    [37, 10, 300],
    [350, 1, 7440],
  ])('brackets T = %d s over %d..%d s within the resolution, 20 connections a round', (T, minS, maxS) => {
    const engine = kary(minS, maxS);
    const stats = simulate([engine], new SharpTimeout(T * S, 'drop'), DEFAULT_SIMULATION);
    const r = engine.result();
    expectContains(r, T * S, `k-ary T=${T}`);
    expect(
      (r.evictedMs as number) - (r.survivedMs as number),
      'width within the resolution',
    ).toBeLessThanOrEqual(defaultResolutionMs(T * S));
    expect(stats.peakConcurrent, 'one round of waits at a time').toBeLessThanOrEqual(KARY_WAITS);
    // Every round's waits start together and its first eviction comes near T: at least T per round.
    expect(stats.elapsedMs, 'two rounds at least, each about T long').toBeGreaterThan(2 * T * S);
  });

  it('reports no eviction when everything survives up to --max, after one round', () => {
    const engine = kary(1, 60);
    const stats = simulate([engine], new SharpTimeout(600 * S, 'drop'), DEFAULT_SIMULATION);
    expect(engine.result().evictedMs).toBeNull();
    expect(engine.result().survivedMs).toBeGreaterThanOrEqual(60 * S - 1);
    expect(stats.elapsedMs, 'one round: the longest wait').toBeLessThan(70 * S);
  });
});
