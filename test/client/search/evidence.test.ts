import { describe, expect, it } from 'vitest';
import { judge, sweepLogLikelihoodRatio } from '../../../client/search/evidence.js';
import type { Observation } from '../../../client/search/types.js';

const S = 1000;
let nextConn = 1;

/** A batch of tests at one instant: `pattern` lists idles in seconds, '+' survived, 'x' evicted. */
function batch(atS: number, pattern: string): Observation[] {
  return pattern
    .trim()
    .split(/\s+/)
    .map((token) => {
      const survived = token.endsWith('+');
      return {
        conn: nextConn++,
        idleMs: Number(token.slice(0, -1)) * S,
        atMs: atS * S,
        survived,
        how: survived ? null : 'silent-drop',
        spontaneous: false,
      };
    });
}

/** A long clean run below the zone, as the search's frontier leaves it. */
function frontier(): Observation[] {
  const tests: Observation[] = [];
  for (let idleS = 10; idleS < 295; idleS *= 1.04) tests.push(...batch(idleS, `${idleS.toFixed(2)}+`));
  return tests;
}

describe('sweepLogLikelihoodRatio', () => {
  it('favours a sweep when batches end in runs of deaths below the longest survival', () => {
    const batches = [
      batch(310, '296+ 299+ 302+ 305+ 308+ 311x'),
      batch(313, '296+ 299x 302x 305x 308x'),
      batch(316, '296+ 299+ 302x 305x 308x 311x'),
    ];
    const all = [...frontier(), ...batches.flat()];
    expect(sweepLogLikelihoodRatio(all, batches, 295 * S)).toBeGreaterThan(Math.log(100));
  });

  it('favours loss when batches survive up to the longest survival, with a lone death inside one', () => {
    const batches = [
      batch(310, '296+ 299+ 302+ 305+ 307+ 311x'),
      batch(313, '296+ 299x 302+ 305+ 307+ 311x'),
      batch(316, '296+ 299+ 302+ 305+ 307+ 311x'),
    ];
    const all = [...frontier(), ...batches.flat(), ...batch(300, '308+')];
    expect(sweepLogLikelihoodRatio(all, batches, 295 * S)).toBeLessThan(-Math.log(100));
  });

  it('gives a lone death at the top of one batch little weight either way', () => {
    const batches = [batch(310, '296+ 299+ 302+ 305+ 307x')];
    const all = [...frontier(), ...batches.flat(), ...batch(300, '308+')];
    const llr = sweepLogLikelihoodRatio(all, batches, 295 * S);
    expect(Math.abs(llr)).toBeLessThan(Math.log(100));
  });

  it('is 0 with no zone to weigh (nothing survived)', () => {
    const batches = [batch(10, '5x 6x')];
    expect(sweepLogLikelihoodRatio(batches.flat(), batches, 0)).toBe(0);
  });
});

describe('judge', () => {
  it('sets aside a silent eviction that a longer idle survived, and brackets above it', () => {
    const tests = [...batch(100, '50+ 60x 70+ 80x'), ...batch(200, '79+')];
    const { bracket, lossSuspects, sweepZone } = judge(tests);
    expect([...lossSuspects].map((o) => o.idleMs)).toEqual([60 * S]);
    expect(sweepZone).toEqual([]);
    expect(bracket).toMatchObject({ loMs: 79 * S, hiMs: 80 * S, eviction: 'silent-drop' });
  });

  it(
    'on a path that loses probes, ends the bracket at the ' +
      'second shortest eviction (the first may be a loss)',
    () => {
      const tests = [...batch(100, '50+ 60x 70+ 79.7x'), ...batch(200, '80.1x 80.3x')];
      const { bracket } = judge(tests);
      expect(bracket.loMs).toBe(70 * S);
      expect(bracket.hiMs).toBe(80.1 * S);
    },
  );

  it(
    "sets aside a survival a few ms past a close of another connection (the machine's timing), so the " +
      'bracket ends at the close',
    () => {
      const closed = (idleS: number): Observation => ({
        conn: nextConn++,
        idleMs: idleS * S,
        atMs: 0,
        survived: false,
        how: 'close',
        spontaneous: true,
      });
      const tests = [...batch(100, '7.9+ 8.003+'), closed(8), closed(8.001)];
      const { bracket, mistimed } = judge(tests);
      expect([...mistimed].map((o) => o.idleMs)).toEqual([8.003 * S]);
      expect(bracket).toMatchObject({ loMs: 7.9 * S, hiMs: 8 * S, eviction: 'close' });
      // Past the tolerance it is a real contradiction, and the bracket stays above the survival.
      const farPast = judge([...batch(100, '7.9+ 8.3+'), closed(8)]);
      expect(farPast.mistimed.size).toBe(0);
      expect(farPast.bracket.hiMs).toBeNull();
    },
  );

  it('trusts the shortest eviction when no probe was lost', () => {
    const tests = [...batch(100, '50+ 70+ 79.7x'), ...batch(200, '80.1x 80.3x')];
    expect(judge(tests).bracket.hiMs).toBe(79.7 * S);
  });

  it('suspects no sweep while nothing above the longest survival has died', () => {
    const tests = batch(100, '50+ 78x 80+');
    expect(judge(tests).sweepZone).toEqual([]);
    expect(judge([...tests, ...batch(200, '90x')]).sweepZone.map((o) => o.idleMs)).toEqual([78 * S]);
  });
});
