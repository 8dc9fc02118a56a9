/**
 * Compares an idlescope report measured in the lab with what the lab's scenario is known to do.
 * Pure: no I/O.
 */
import type { LabDiscoveryReport } from './discovery.js';
import { SCENARIO_SPECS, type Scenario } from './scenarios.js';

export interface DirectionVerdict {
  direction: 'inbound' | 'outbound';
  expected: string;
  measured: string;
  ok: boolean;
  /** Set when the timing matches but the eviction kind differs from the scenario's (informative only). */
  note: string | null;
}

/** Bracket tolerance: 1 s or 10 % of T, whichever is larger. */
export function toleranceS(timeoutS: number): number {
  return Math.max(1, timeoutS * 0.1);
}

export function judgeReport(
  report: LabDiscoveryReport,
  scenario: Scenario,
  timeoutS: number,
  directions: readonly ('inbound' | 'outbound')[] = ['inbound', 'outbound'],
): DirectionVerdict[] {
  const tol = toleranceS(timeoutS);
  return directions.map((direction) => {
    const fate = SCENARIO_SPECS[scenario].afterIdle[direction];
    const result = report.directions[direction];
    const expected =
      fate === 'survives' ? 'no eviction (survives the whole range)' : `${fate} at ${timeoutS} s`;
    if (!result) return { direction, expected, measured: 'not in report', ok: false, note: null };
    const { survived_s: survived, evicted_s: evicted, eviction } = result;
    const measured =
      evicted === null
        ? `no eviction (survived ${survived ?? '?'} s)`
        : `${eviction ?? '?'} between ${survived ?? 0} s and ${evicted} s`;
    if (fate === 'survives') return { direction, expected, measured, ok: evicted === null, note: null };
    const ok = evicted !== null && evicted >= timeoutS - tol && (survived ?? 0) <= timeoutS + tol;
    const note =
      ok && eviction !== fate
        ? `eviction reported as ${eviction ?? 'null'}, the scenario does ${fate}`
        : null;
    return { direction, expected, measured, ok, note };
  });
}
