import { describe, expect, it } from 'vitest';
import {
  directionVerdict,
  overallVerdict,
  type DirectionEvidence,
  type RefreshSetting,
} from '../../../client/verification/verdict.js';

const KEEPALIVE: RefreshSetting = { kind: 'keepalive', idleS: 14, intervalS: 1, count: 3 };
const T_MS = 20_000;

function evidence(overrides: Partial<DirectionEvidence> = {}): DirectionEvidence {
  return {
    refreshed: { outcome: { alive: true }, heldMs: 25_000, idleAtTestMs: 13_750, setting: KEEPALIVE },
    control: { outcome: { alive: false, how: 'silent-drop' }, heldMs: 25_000 },
    ...overrides,
  };
}

describe('directionVerdict', () => {
  it('proves a setting held past T, tested at its worst moment, beside a control that died', () => {
    expect(directionVerdict(evidence(), T_MS)).toEqual({ verdict: 'proven', heldMs: 25_000 });
  });

  it('is inconclusive when the control survived too: the path stopped evicting', () => {
    const e = evidence({ control: { outcome: { alive: true }, heldMs: 25_000 } });
    expect(directionVerdict(e, T_MS)).toEqual({ verdict: 'inconclusive', why: 'control-survived' });
  });

  it('fails a setting whose connection died in spite of its refreshes', () => {
    const e = evidence({
      refreshed: {
        outcome: { alive: false, how: 'reset' },
        heldMs: 25_000,
        idleAtTestMs: 13_750,
        setting: KEEPALIVE,
      },
    });
    expect(directionVerdict(e, T_MS)).toEqual({ verdict: 'failed', how: 'reset', heldMs: 25_000 });
  });

  it('does not count a test taken early in the cycle (just after a keepalive proves nothing)', () => {
    const e = evidence({
      refreshed: { outcome: { alive: true }, heldMs: 25_000, idleAtTestMs: 2000, setting: KEEPALIVE },
    });
    expect(directionVerdict(e, T_MS)).toEqual({ verdict: 'inconclusive', why: 'not-at-worst-moment' });
  });

  it('does not count connections held for less than the timeout', () => {
    const short = evidence({
      refreshed: { outcome: { alive: true }, heldMs: 15_000, idleAtTestMs: 13_750, setting: KEEPALIVE },
    });
    expect(directionVerdict(short, T_MS)).toEqual({ verdict: 'inconclusive', why: 'held-too-briefly' });
    const shortControl = evidence({ control: { outcome: { alive: true }, heldMs: 15_000 } });
    expect(directionVerdict(shortControl, T_MS)).toEqual({
      verdict: 'inconclusive',
      why: 'control-held-too-briefly',
    });
  });

  it('takes a control that died early (a proxy closing it at T) as proof that the path evicts', () => {
    const e = evidence({ control: { outcome: { alive: false, how: 'close' }, heldMs: 9990 } });
    expect(directionVerdict(e, T_MS)).toEqual({ verdict: 'proven', heldMs: 25_000 });
  });

  it('is inconclusive with a missing test', () => {
    expect(directionVerdict(evidence({ refreshed: null }), T_MS).verdict).toBe('inconclusive');
    expect(directionVerdict(evidence({ control: null }), T_MS).verdict).toBe('inconclusive');
  });

  it('judges a heartbeat by its own period', () => {
    const heartbeat: RefreshSetting = { kind: 'heartbeat', periodS: 10 };
    const late = evidence({
      refreshed: { outcome: { alive: true }, heldMs: 25_000, idleAtTestMs: 9800, setting: heartbeat },
    });
    expect(directionVerdict(late, T_MS).verdict).toBe('proven');
  });
});

describe('overallVerdict', () => {
  it('is proven only where every direction is, failed where any failed', () => {
    const proven = { verdict: 'proven', heldMs: 1 } as const;
    const failed = { verdict: 'failed', how: 'reset', heldMs: 1 } as const;
    const unsure = { verdict: 'inconclusive', why: 'not-tested' } as const;
    expect(overallVerdict({ inbound: proven, outbound: proven })).toBe('proven');
    expect(overallVerdict({ inbound: proven, outbound: unsure })).toBe('inconclusive');
    expect(overallVerdict({ inbound: failed, outbound: unsure })).toBe('failed');
    expect(overallVerdict({})).toBe('inconclusive');
  });
});
