/**
 * bench:lab's rows and their table: what one run measured, beside the floor T + grace (no tool can
 * bracket T before T has passed, and a silent drop shows only once a test went unanswered for the
 * grace). Pure: no I/O.
 */
import { DEFAULT_GRACE_S } from '../../client/discovery/discovery-run.js';
import { seconds, table, type Align, type Format } from '../render-table.js';
import type { LabCase } from './lab-cases.js';

/** What a run of one tool in the lab gave. */
export interface LabMeasurement {
  /** From spawning the tool's process to its exit, seconds (what a user waits). */
  wallS: number;
  /** The tool's own elapsed time, from the session's welcome to its answer, seconds. */
  runS: number | null;
  survivedS: number | null;
  evictedS: number | null;
  eviction: string | null;
  /** Set when the run failed (no answer): the wall time is then until the failure. */
  error: string | null;
}

export interface LabRow extends LabCase, LabMeasurement {
  /** wall / T. */
  ratio: number;
  /** T + grace. */
  floorS: number;
  /** wall - floor. */
  overFloorS: number;
  /** survived <= T <= evicted. */
  containsT: boolean;
}

export function labRow(labCase: LabCase, measured: LabMeasurement, graceS = DEFAULT_GRACE_S): LabRow {
  const floorS = labCase.timeoutS + graceS;
  const T = labCase.timeoutS;
  return {
    ...labCase,
    ...measured,
    ratio: measured.wallS / T,
    floorS,
    overFloorS: measured.wallS - floorS,
    containsT: measured.evictedS !== null && (measured.survivedS ?? 0) <= T && T <= measured.evictedS,
  };
}

function bracketText(row: LabRow): string {
  if (row.error !== null) return `failed: ${row.error.split('\n')[0]?.slice(0, 80) ?? ''}`;
  if (row.evictedS === null) return `no eviction (survived ${row.survivedS ?? '-'} s)`;
  return `(${row.survivedS ?? 0}, ${row.evictedS}] ${row.eviction ?? ''}`.trimEnd();
}

const HEADERS = [
  'scenario',
  'T (s)',
  'range (s)',
  'tool',
  'wall (s)',
  'run (s)',
  'wall/T',
  'floor (s)',
  'over floor (s)',
  'bracket (s)',
  'T inside',
];
const ALIGN: Align[] = ['l', 'r', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'l', 'l'];

/** The rows as one table (Markdown or text columns), in the order given. */
export function renderLabTable(rows: readonly LabRow[], format: Format = 'markdown'): string {
  const cells = rows.map((row) => [
    row.scenario,
    String(row.timeoutS),
    `${row.minS}..${row.maxS}${row.range === 'default' ? ' (default)' : ''}`,
    row.tool,
    seconds(row.wallS),
    seconds(row.runS),
    row.ratio.toFixed(3),
    seconds(row.floorS),
    seconds(row.overFloorS),
    bracketText(row),
    row.containsT ? 'yes' : 'no',
  ]);
  return table(format, HEADERS, cells, ALIGN);
}
