import { describe, expect, it } from 'vitest';
import { leastSurvivedMs, settledBy } from '../../../client/search/settle.js';
import { createSearch, defaultResolutionMs } from '../../../client/search/search-config.js';
import type { Direction, SearchProgress } from '../../../client/search/types.js';
import { SharpTimeout } from '../../../bench/simulation/middlebox-models.js';
import { DEFAULT_SIMULATION, simulate } from '../../../bench/simulation/virtual-driver.js';
import { findingText } from '../../../client/report/findings-text.js';

const S = 1000;

function progress(
  direction: Direction,
  finished: boolean,
  survivedMs: number | null,
  evictedMs: number | null,
): SearchProgress {
  return {
    direction,
    survivedMs,
    evictedMs,
    connections: { idle: 0, probing: 0, opening: 0 },
    evicted: evictedMs === null ? 0 : 1,
    finished,
    etaMs: null,
    oldestIdleMs: null,
  };
}

describe('settledBy', () => {
  it('settles once the direction that dies first is done and the other survived past its bracket', () => {
    expect(
      settledBy([progress('inbound', true, 22_850, 23_760), progress('outbound', false, 24_000, null)]),
    ).toBe('inbound');
  });

  it('waits while the other direction has not yet survived past the bracket', () => {
    expect(
      settledBy([progress('inbound', true, 22_850, 23_760), progress('outbound', false, 23_000, null)]),
    ).toBeNull();
  });

  it('waits while the first direction is still being bracketed or verified', () => {
    expect(
      settledBy([progress('inbound', false, 22_850, 23_760), progress('outbound', false, 40_000, null)]),
    ).toBeNull();
  });

  it('does not settle on a direction that survived to --max, nor when everything is done', () => {
    expect(
      settledBy([progress('inbound', true, 60_000, null), progress('outbound', false, 70_000, null)]),
    ).toBeNull();
    expect(settledBy([progress('inbound', true, 1, 2), progress('outbound', true, 3, 4)])).toBeNull();
  });

  it('does not settle while a running direction saw an eviction below the bound', () => {
    expect(
      settledBy([progress('inbound', true, 22_850, 23_760), progress('outbound', false, 24_000, 20_000)]),
    ).toBeNull();
  });
});

describe('settling on a directional middlebox (a loose Linux NAT: inbound dies at T, outbound never)', () => {
  const T_MS = 23 * S;
  const MAX_MS = 7440 * S;
  const run = (settle: boolean) => {
    const engines = (['inbound', 'outbound'] as const).map((direction) =>
      createSearch({
        direction,
        minMs: S,
        maxMs: MAX_MS,
        resolutionMs: defaultResolutionMs,
        maxConnections: 128,
      }),
    );
    const stats = simulate(engines, new SharpTimeout(T_MS, 'loose'), { ...DEFAULT_SIMULATION, settle });
    const [inbound, outbound] = engines.map((e) => e.result());
    return { stats, inbound: inbound!, outbound: outbound! };
  };

  it('ends with the inbound bracket and the outbound searched past it, not at --max', () => {
    const { stats, inbound, outbound } = run(true);
    expect(inbound.survivedMs as number).toBeLessThanOrEqual(T_MS);
    expect(inbound.evictedMs as number).toBeGreaterThanOrEqual(T_MS);
    expect(outbound.evictedMs, 'outbound never evicted').toBeNull();
    expect(
      outbound.survivedMs as number,
      'outbound survived past the inbound bracket',
    ).toBeGreaterThanOrEqual(inbound.evictedMs as number);
    expect(stats.elapsedMs, 'settled near T, within 1.25 T + 10 s').toBeLessThanOrEqual(1.25 * T_MS + 10 * S);
    const settled = outbound.findings.find((f) => f.kind === 'settled');
    expect(settled, 'outbound says it was settled').toMatchObject({ kind: 'settled', by: 'inbound' });
    expect(findingText(settled!)).toMatch(
      /^searched to \d+(\.\d)? s, not complete: the inbound direction dies first/,
    );
    expect(
      inbound.findings.some((f) => f.kind === 'settled'),
      'inbound itself is complete',
    ).toBe(false);
  });

  it('with --full follows outbound to --max, as before', () => {
    const { stats, outbound } = run(false);
    expect(outbound.survivedMs as number).toBeGreaterThanOrEqual(MAX_MS - 1);
    expect(stats.elapsedMs).toBeGreaterThan(MAX_MS);
    expect(outbound.findings.some((f) => f.kind === 'settled')).toBe(false);
  });
});

describe('leastSurvivedMs', () => {
  it('is the shortest of the directions’ longest survivals, or null while one has none', () => {
    expect(
      leastSurvivedMs([progress('inbound', false, 20_000, null), progress('outbound', false, 9000, null)]),
    ).toBe(9000);
    expect(
      leastSurvivedMs([progress('inbound', false, 20_000, null), progress('outbound', false, null, null)]),
    ).toBeNull();
  });
});
