/** bench:lab's pure parts: its cases, rows against the floor, the table and its BENCH.md section. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_GRACE_S } from '../../../client/discovery/discovery-run.js';
import { RANGE_CASES } from '../../../bench/range-table.js';
import { MAX_S, MIN_S } from '../../../bench/scenarios.js';
import { labCases, tightRange, type LabCase } from '../../../bench/lab/lab-cases.js';
import { labRow, renderLabTable, type LabMeasurement } from '../../../bench/lab/lab-table.js';
import {
  LAB_SECTION_BEGIN,
  LAB_SECTION_END,
  extractLabSection,
  renderLabSection,
  withLabSection,
} from '../../../bench/lab/lab-section.js';

const CASE: LabCase = {
  scenario: 'nat-strict',
  timeoutS: 13,
  range: 'tight',
  minS: 1,
  maxS: 40,
  tool: 'k-ary',
};
const MEASURED: LabMeasurement = {
  wallS: 20,
  runS: 18.5,
  survivedS: 12.9,
  evictedS: 13.4,
  eviction: 'silent-drop',
  error: null,
};

describe('bench:lab cases', () => {
  it('every scenario, T, range and tool; the tight ranges are the range table’s', () => {
    const cases = labCases();
    expect(cases, '2 scenarios x 4 T x 2 ranges x 2 tools').toHaveLength(32);
    for (const c of cases) {
      if (c.range === 'default') {
        expect([c.minS, c.maxS], `${c.timeoutS} default`).toEqual([MIN_S, MAX_S]);
        continue;
      }
      const inTable = RANGE_CASES.some(
        (r) => r.timeoutS === c.timeoutS && r.minS === c.minS && r.maxS === c.maxS,
      );
      expect(inTable, `T = ${c.timeoutS}: ${c.minS}..${c.maxS} is a range-table case`).toBe(true);
      expect(c.minS <= c.timeoutS && c.timeoutS <= c.maxS, `T = ${c.timeoutS} inside its tight range`).toBe(
        true,
      );
    }
    expect(tightRange(37), 'the first tight range of T = 37 s').toEqual({ minS: 10, maxS: 300 });
  });

  it('filters: --quick, --scenario, --t and --tool; a bad T is refused', () => {
    expect(new Set(labCases({ quick: true }).map((c) => c.timeoutS)), 'quick').toEqual(new Set([5, 13]));
    const some = labCases({ scenarios: ['firewall-reset'], timeoutsS: [37], tools: ['idlescope'] });
    expect(
      some.map((c) => [c.scenario, c.timeoutS, c.range, c.tool]),
      'one scenario, one T, one tool',
    ).toEqual([
      ['firewall-reset', 37, 'default', 'idlescope'],
      ['firewall-reset', 37, 'tight', 'idlescope'],
    ]);
    expect(() => labCases({ timeoutsS: [2.5] }), 'the lab sets whole seconds').toThrow(RangeError);
  });
});

describe('bench:lab rows and table', () => {
  it('wall / T and the overhead over T + grace; T inside the bracket or not', () => {
    const row = labRow(CASE, MEASURED);
    expect(row.floorS, 'floor').toBeCloseTo(13 + DEFAULT_GRACE_S, 9);
    expect(row.ratio, 'wall / T').toBeCloseTo(20 / 13, 9);
    expect(row.overFloorS, 'over the floor').toBeCloseTo(20 - 13 - DEFAULT_GRACE_S, 9);
    expect(row.containsT, '(12.9, 13.4] holds 13').toBe(true);
    expect(labRow(CASE, { ...MEASURED, evictedS: 12.95 }).containsT, '(12.9, 12.95] misses 13').toBe(false);
    expect(labRow(CASE, { ...MEASURED, evictedS: null }).containsT, 'no eviction').toBe(false);
  });

  it('renders one Markdown row per run, a failed run with its reason', () => {
    const rows = [
      labRow(CASE, MEASURED),
      labRow(
        { ...CASE, tool: 'idlescope', range: 'default', minS: MIN_S, maxS: MAX_S },
        {
          ...MEASURED,
          runS: null,
          survivedS: null,
          evictedS: null,
          error: 'discover exited 1\nmore',
        },
      ),
    ];
    const lines = renderLabTable(rows).split('\n');
    expect(lines, 'header, rule and two rows').toHaveLength(4);
    expect(lines[2], 'the k-ary row').toBe(
      '| nat-strict | 13 | 1..40 | k-ary | 20.00 | 18.50 | 1.538 | 14.50 | 5.50 | ' +
        '(12.9, 13.4] silent-drop | yes |',
    );
    expect(lines[3], 'the failed row').toContain(`| 1..${MAX_S} (default) | idlescope |`);
    expect(lines[3], 'the failed row names the first line of its reason').toContain(
      '| failed: discover exited 1 | no |',
    );
    expect(renderLabTable(rows, 'text').split('\n')[0], 'text columns').toMatch(/^scenario\s+T \(s\)/);
  });
});

describe("bench:lab's section of BENCH.md", () => {
  const section = renderLabSection([labRow(CASE, MEASURED)], {
    command: 'npm run bench:lab',
    date: '2026-12-01T18:00:00Z',
    machine: 'test machine',
    commit: 'abc1234',
    verify: false,
  });

  it('is appended once, then replaced in place, and kept when there is no new one', () => {
    const bench = '# idlescope bench\n\n## A\n\ntext\n';
    const once = withLabSection(bench, section);
    expect(once.startsWith(bench.trimEnd()), 'the rest unchanged').toBe(true);
    expect(extractLabSection(once), 'the section as given').toBe(section);
    const newer = section.replace('abc1234', 'def5678');
    const twice = withLabSection(once, newer);
    expect(twice.split(LAB_SECTION_BEGIN), 'one section only').toHaveLength(2);
    expect(extractLabSection(twice), 'the newer section').toBe(newer);
    expect(withLabSection(twice, null), 'no new section: unchanged').toBe(twice);
    expect(extractLabSection(bench), 'none').toBeNull();
  });

  it('says the command, the date, the commit and the machine, between its markers', () => {
    expect(section.startsWith(LAB_SECTION_BEGIN) && section.endsWith(LAB_SECTION_END), 'markers').toBe(true);
    expect(section, 'provenance').toContain(
      'Generated by `npm run bench:lab` on 2026-12-01T18:00:00Z, at abc1234, on test machine.',
    );
    expect(section, 'the table').toContain('| nat-strict | 13 | 1..40 | k-ary |');
  });
});
