import { describe, expect, it } from 'vitest';
import { boundaryAtInstant } from '../../../client/search/evidence.js';
import { sawtoothBounds, type InstantBoundary } from '../../../client/search/sawtooth.js';
import { seededRandom } from '../../../bench/simulation/middlebox-models.js';
import type { Observation } from '../../../client/search/types.js';

const S = 1000;

/** The boundary of a sweep at `atMs`: T plus the time since the collector last ran. */
function boundaryMs(timeoutMs: number, periodMs: number, phaseMs: number, atMs: number): number {
  const sinceSweep = (((atMs - phaseMs) % periodMs) + periodMs) % periodMs;
  return timeoutMs + sinceSweep;
}

function test(idleMs: number, survived: boolean): Observation {
  return { conn: 1, idleMs, atMs: 0, survived, how: survived ? null : 'silent-drop', spontaneous: false };
}

describe('boundaryAtInstant', () => {
  it(
    'puts the boundary above the longest survival and at the ' +
      'shortest death past it; a death below is a lost probe',
    () => {
      expect(
        boundaryAtInstant([test(10, true), test(8, false), test(12, true), test(14, false), test(13, false)]),
      ).toEqual({ floorMs: 12, ceilingMs: 13 });
    },
  );

  it('leaves unseen sides null', () => {
    expect(boundaryAtInstant([test(10, false), test(12, false)])).toEqual({ floorMs: null, ceilingMs: 10 });
    expect(boundaryAtInstant([test(10, true)])).toEqual({ floorMs: 10, ceilingMs: null });
  });
});

describe('sawtoothBounds', () => {
  it('bounds T and T + G from a sweep caught between two batches', () => {
    // T = 100 s, G = 20 s, the collector runs at 0, 20, 40 ... s of this clock.
    const batches: InstantBoundary[] = [
      { atMs: 15 * S, floorMs: 114 * S, ceilingMs: 116 * S }, // boundary 115 s
      { atMs: 22 * S, floorMs: 101 * S, ceilingMs: 103 * S }, // boundary 102 s: a sweep ran in (15, 22]
      { atMs: 30 * S, floorMs: 109 * S, ceilingMs: 111 * S }, // boundary 110 s
    ];
    const { timeoutAboveMs, zoneTopAtMostMs } = sawtoothBounds(batches);
    // T > 109 - (30 - 15) = 94 and T > 101 - (22 - 15) = 94; T + G ≤ 116 + (22 - 15) = 123.
    expect(timeoutAboveMs).toBe(94 * S);
    expect(zoneTopAtMostMs).toBe(123 * S);
  });

  it('proves nothing while the batches only saw the boundary rise', () => {
    const rising: InstantBoundary[] = [
      { atMs: 0, floorMs: 100 * S, ceilingMs: 101 * S },
      { atMs: 5 * S, floorMs: 105 * S, ceilingMs: 106 * S },
      { atMs: 9 * S, floorMs: null, ceilingMs: 111 * S },
    ];
    expect(sawtoothBounds(rising)).toEqual({ timeoutAboveMs: null, zoneTopAtMostMs: null });
  });

  // Random sweeps sampled by random batches that see only part of the boundary: whatever the
  // bounds prove must hold, and two periods of batches a few seconds apart prove something.
  it('never claims more than the truth, over 500 random sweeps and samplings', () => {
    const random = seededRandom(7);
    let proven = 0;
    for (let run = 0; run < 500; run++) {
      const timeoutMs = (10 + random() * 3000) * S;
      const periodMs = (1 + random() * 0.3 * (timeoutMs / S)) * S;
      const phaseMs = random() * periodMs;
      const batches: InstantBoundary[] = [];
      let atMs = random() * periodMs;
      while (atMs < 2.5 * periodMs) {
        const b = boundaryMs(timeoutMs, periodMs, phaseMs, atMs);
        // Tests spread around the zone, a few per batch: each side of the boundary may be missed.
        const tests = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
          const idleMs = timeoutMs - 0.2 * periodMs + random() * 1.4 * periodMs;
          return test(idleMs, idleMs < b);
        });
        batches.push({ atMs, ...boundaryAtInstant(tests) });
        atMs += (0.05 + random() * 0.25) * periodMs;
      }
      const { timeoutAboveMs, zoneTopAtMostMs } = sawtoothBounds(batches);
      if (timeoutAboveMs !== null) expect(timeoutAboveMs, `run ${run}: T above`).toBeLessThan(timeoutMs);
      if (zoneTopAtMostMs !== null)
        expect(zoneTopAtMostMs, `run ${run}: T + G at most`).toBeGreaterThanOrEqual(
          timeoutMs + periodMs - 1e-6,
        );
      if (timeoutAboveMs !== null && zoneTopAtMostMs !== null) proven++;
    }
    expect(proven, 'runs where both sides were proven').toBeGreaterThan(400);
  });
});
