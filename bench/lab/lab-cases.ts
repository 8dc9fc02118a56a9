/**
 * The cases of bench:lab: each T on each scenario, over the default range and a tight one, for
 * idlescope and for the k-ary baseline. The tight ranges are the search-range table's
 * (bench/range-table.ts), so the lab and the simulation measure the same cases. Pure.
 */
import { RANGE_CASES } from '../range-table.js';
import { MAX_S, MIN_S } from '../scenarios.js';

/** The lab's scenarios where both directions die at T (the ones the targets name). */
export const LAB_BENCH_SCENARIOS = ['nat-strict', 'firewall-reset'] as const;
export type LabBenchScenario = (typeof LAB_BENCH_SCENARIOS)[number];

export const LAB_BENCH_TIMEOUTS_S = [5, 13, 37, 90] as const;
/** --quick: the small T only, a few minutes in all. */
export const QUICK_TIMEOUTS_S = [5, 13] as const;

export const LAB_TOOLS = ['idlescope', 'k-ary'] as const;
export type LabTool = (typeof LAB_TOOLS)[number];

export type RangeKind = 'default' | 'tight';

export interface LabCase {
  scenario: LabBenchScenario;
  timeoutS: number;
  range: RangeKind;
  minS: number;
  maxS: number;
  tool: LabTool;
}

export interface LabCaseFilter {
  quick?: boolean;
  /** Only these scenarios (all when absent or empty). */
  scenarios?: readonly LabBenchScenario[];
  /** Only these T, seconds (all when absent or empty). */
  timeoutsS?: readonly number[];
  tools?: readonly LabTool[];
}

/** The tight range of the search-range table for T: its first range that is not the default. */
export function tightRange(timeoutS: number): { minS: number; maxS: number } {
  const found = RANGE_CASES.find((c) => c.timeoutS === timeoutS && !(c.minS === MIN_S && c.maxS === MAX_S));
  if (found !== undefined) return { minS: found.minS, maxS: found.maxS };
  // A T the range table does not have (a --t filter): about a third of T to three times it.
  return { minS: Math.max(MIN_S, Math.floor(timeoutS / 3)), maxS: timeoutS * 3 };
}

/**
 * Every case, ordered scenario, T, range, tool, so the two tools of one case sit side by side.
 * Throws a RangeError for a T that is not a whole number of seconds >= 1 (the lab sets whole seconds).
 */
export function labCases(filter: LabCaseFilter = {}): LabCase[] {
  const scenarios = nonEmpty(filter.scenarios) ?? LAB_BENCH_SCENARIOS;
  const timeouts =
    nonEmpty(filter.timeoutsS) ?? (filter.quick === true ? QUICK_TIMEOUTS_S : LAB_BENCH_TIMEOUTS_S);
  const tools = nonEmpty(filter.tools) ?? LAB_TOOLS;
  for (const t of timeouts)
    if (!Number.isInteger(t) || t < 1) throw new RangeError(`T must be whole seconds >= 1, got ${t}`);
  const cases: LabCase[] = [];
  for (const scenario of scenarios)
    for (const timeoutS of timeouts)
      for (const range of ['default', 'tight'] as const) {
        const bounds = range === 'default' ? { minS: MIN_S, maxS: MAX_S } : tightRange(timeoutS);
        for (const tool of tools) cases.push({ scenario, timeoutS, range, ...bounds, tool });
      }
  return cases;
}

function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | null {
  return list === undefined || list.length === 0 ? null : list;
}
