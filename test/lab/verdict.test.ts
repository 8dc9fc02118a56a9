import { describe, expect, it } from 'vitest';
import { LabDiscoveryError, parseReport, type LabDiscoveryReport } from './discovery.js';
import { judgeReport, toleranceS } from './verdict.js';

const report = (directions: LabDiscoveryReport['directions']): LabDiscoveryReport => ({
  schema: 1,
  directions,
});

describe('parseReport', () => {
  it('finds the schema-1 report among other stdout lines', () => {
    const doc = report({ inbound: { survived_s: 19, evicted_s: 21, eviction: 'silent-drop' } });
    const stdout = `noise\n${JSON.stringify(doc)}\n`;
    expect(parseReport(stdout).directions.inbound?.evicted_s, 'evicted_s of the parsed report').toBe(21);
  });

  it('throws LabDiscoveryError when there is no report', () => {
    expect(() => parseReport('{"schema":2}\nhello'), 'wrong schema and text').toThrow(LabDiscoveryError);
    expect(() => parseReport(''), 'empty stdout').toThrow(/no schema-1 JSON report/);
  });
});

describe('judgeReport', () => {
  it('accepts a bracket around T and a survival where the scenario survives', () => {
    const verdicts = judgeReport(
      report({
        inbound: { survived_s: 19.5, evicted_s: 20.4, eviction: 'reset' },
        outbound: { survived_s: 70, evicted_s: null, eviction: null },
      }),
      'nat-loose',
      20,
    );
    expect(
      verdicts.map((v) => v.ok),
      JSON.stringify(verdicts),
    ).toEqual([true, true]);
    expect(verdicts[0]?.note, 'kinds match: no note').toBeNull();
  });

  it('rejects a missing eviction, a wrong bracket and a missing direction', () => {
    const verdicts = judgeReport(
      report({
        inbound: { survived_s: 70, evicted_s: null, eviction: null },
        outbound: { survived_s: 30, evicted_s: 31, eviction: 'silent-drop' },
      }),
      'nat-strict',
      20,
    );
    expect(
      verdicts.map((v) => v.ok),
      JSON.stringify(verdicts),
    ).toEqual([false, false]);
    const missing = judgeReport(report({}), 'proxy', 20, ['outbound']);
    expect(missing[0], 'direction absent from the report').toMatchObject({
      ok: false,
      measured: 'not in report',
    });
  });

  it('notes a different eviction kind without failing on it', () => {
    const [inbound] = judgeReport(
      report({ inbound: { survived_s: 9.8, evicted_s: 10.1, eviction: 'silent-drop' } }),
      'proxy',
      10,
      ['inbound'],
    );
    expect(inbound, 'timing right, kind differs').toMatchObject({
      ok: true,
      note: 'eviction reported as silent-drop, the scenario does close',
    });
  });

  it('tolerates 1 s or 10 % of T', () => {
    expect([toleranceS(3), toleranceS(20), toleranceS(350)], 'tolerances').toEqual([1, 2, 35]);
  });
});
