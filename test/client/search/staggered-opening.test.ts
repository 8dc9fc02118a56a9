/**
 * A narrower --min must not cost what it used to: the first pass's pool opens in waves before the
 * frontier reaches --min, so its clocks are staggered as a frontier from 1 s would have left them.
 * Virtual clock (bench/simulation), SharpTimeout drop, inbound, 256 connections.
 */
import { describe, expect, it } from 'vitest';
import { createSearch, defaultResolutionMs } from '../../../client/search/search-config.js';
import { SharpTimeout } from '../../../bench/simulation/middlebox-models.js';
import { DEFAULT_SIMULATION, simulate } from '../../../bench/simulation/virtual-driver.js';

const S = 1000;

function wallMs(timeoutS: number, minS: number, maxS: number): number {
  const engine = createSearch({
    direction: 'inbound',
    minMs: minS * S,
    maxMs: maxS * S,
    resolutionMs: defaultResolutionMs,
    maxConnections: 256,
  });
  const stats = simulate([engine], new SharpTimeout(timeoutS * S, 'drop'), DEFAULT_SIMULATION);
  const r = engine.result();
  expect(r.survivedMs as number, `T=${timeoutS} ${minS}..${maxS}: survived below T`).toBeLessThanOrEqual(
    timeoutS * S,
  );
  expect(
    r.evictedMs as number,
    `T=${timeoutS} ${minS}..${maxS}: evicted at or above T`,
  ).toBeGreaterThanOrEqual(timeoutS * S);
  return stats.elapsedMs;
}

describe('a narrower --min', () => {
  // Before the waves: 1.16 x, 1.33 x and 1.31 x the default range's virtual time; with the waves
  // alone 1.03 x, 1.05 x (5 s over) and 1.01 x. With rungs where the default range's would be, a
  // quarter of the pool opened at once and provisional evictions: 1.0 s, 0.7 s and -1.4 s over.
  it.each([
    [37, 10, 300],
    [90, 30, 270],
    [350, 120, 1050],
  ])(
    'T = %d s over %d..%d s takes at most the default range plus twice the resolution',
    (timeoutS, minS, maxS) => {
      const tight = wallMs(timeoutS, minS, maxS);
      const wide = wallMs(timeoutS, 1, 7440);
      const allowedMs = wide + 2 * defaultResolutionMs(timeoutS * S);
      expect(tight, `tight ${tight} ms vs default ${wide} ms`).toBeLessThanOrEqual(allowedMs);
    },
  );

  it('changes nothing where --min is 1 s: the pool opens at once', () => {
    const engine = createSearch({
      direction: 'inbound',
      minMs: 1 * S,
      maxMs: 7440 * S,
      resolutionMs: defaultResolutionMs,
      maxConnections: 256,
    });
    const { actions } = engine.decide(0);
    expect(actions.filter((a) => a.type === 'open')).toHaveLength(256);
  });
});
