import { describe, expect, it } from 'vitest';
import { bookingAtMs, planFixedSetting } from '../../../client/verification/fixed-setting.js';

describe('planFixedSetting', () => {
  it('spreads n connections over one period, alternating directions, one control per direction', () => {
    const plan = planFixedSetting({ kind: 'heartbeat', periodS: 4 }, 4, ['inbound', 'outbound'], 30_000);
    expect(plan.held.map((h) => [h.direction, h.phaseOffsetMs])).toEqual([
      ['inbound', 0],
      ['outbound', 1000],
      ['inbound', 2000],
      ['outbound', 3000],
    ]);
    expect(plan.controls).toEqual(['inbound', 'outbound']);
    expect(plan.holdMs).toBe(30_000);
  });

  it('refuses fewer connections than directions', () => {
    expect(() =>
      planFixedSetting({ kind: 'heartbeat', periodS: 4 }, 1, ['inbound', 'outbound'], 30_000),
    ).toThrow('fewer connections than directions');
  });

  it('books a test two periods before the hold ends, or at once for a short hold', () => {
    expect(bookingAtMs(1000, 30_000, 5000)).toBe(21_000);
    expect(bookingAtMs(1000, 6000, 5000)).toBe(1000);
  });
});
