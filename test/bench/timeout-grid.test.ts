import { describe, expect, it } from 'vitest';
import { GRID_MODES, gridTimeoutsMs, timeoutGridTable } from '../../bench/timeout-grid.js';

describe('the any-T grid', () => {
  it('spans 5 s to 7440 s on a log scale, in whole milliseconds, strictly increasing', () => {
    const ts = gridTimeoutsMs(50);
    expect(ts[0]).toBe(5000);
    expect(ts.at(-1)).toBe(7_440_000);
    for (let i = 1; i < ts.length; i++) {
      expect(ts[i] as number).toBeGreaterThan(ts[i - 1] as number);
      expect(Number.isInteger(ts[i])).toBe(true);
    }
    // Log spacing: the same ratio between neighbours at both ends.
    expect((ts[1] as number) / (ts[0] as number)).toBeCloseTo((ts[49] as number) / (ts[48] as number), 2);
  });

  // The acceptance, "any T from 5 s to 7440 s", on 60 timeouts x 3 modes x (one, both directions).
  it(
    'idlescope at its defaults meets the acceptance for every T ' +
      'on a 60-point grid, every mode, one and both directions',
    () => {
      const rows = timeoutGridTable(60);
      expect(rows.map((r) => r.mode)).toEqual(GRID_MODES.flatMap((m) => [m, m]));
      for (const r of rows) {
        expect(r.runs, `${r.mode}, ${r.searched}`).toBe(60);
        expect(r.failedAtS, `${r.mode}, ${r.searched}: timeouts that failed`).toEqual([]);
        expect(r.passed, `${r.mode}, ${r.searched}`).toBe(60);
        expect(r.worstAllowance, `${r.mode}, ${r.searched}: worst share of 0.1 T + 10 s used`).toBeLessThan(
          1,
        );
      }
    },
  );
});
