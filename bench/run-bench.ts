/**
 * Runs every table of the bench and returns them as one plain record (what `--json` prints).
 * The simulated tables are deterministic; only the memory table measures the real machine.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SIMULATION, type SimulationOptions } from './simulation/virtual-driver.js';
import { LADDER_STEP_MS } from './strategies/linear-ladder.js';
import {
  DEFAULT_CONNECTIONS,
  MAIN_TIMEOUTS_S,
  MAX_HEADROOM,
  MAX_S,
  MIN_S,
  QUICK_TIMEOUTS_S,
  TRADEOFF_BUDGETS,
  TRADEOFF_RESOLUTIONS,
  TRADEOFF_TIMEOUTS_S,
  mainTable,
  tradeoffTable,
  type MainTable,
  type TradeoffCell,
} from './scenarios.js';
import { noisyTable, type NoisyRow } from './noisy-table.js';
import { QUICK_RANGE_CASES, RANGE_CASES, rangeTable, type RangeRow } from './range-table.js';
import { QUICK_ROBUSTNESS_RUNS, ROBUSTNESS_RUNS, robustnessTable, type RobustnessRow } from './robustness.js';
import {
  GRID_FROM_S,
  GRID_POINTS,
  GRID_TO_S,
  QUICK_GRID_POINTS,
  timeoutGridTable,
  type GridRow,
} from './timeout-grid.js';
import { MEMORY_COUNTS, MEMORY_RUNS, QUICK_MEMORY_COUNTS, memoryTable, type MemoryRow } from './memory.js';

export interface BenchOptions {
  /** A reduced set, for tests. */
  quick: boolean;
  /** Run the real-socket memory table. */
  memory: boolean;
}

export interface BenchReport {
  schema: 1;
  quick: boolean;
  /** Last commit that touched the search or the simulation, and whether they have local changes. */
  searchRevision: { commit: string | null; dirty: boolean };
  simulation: SimulationOptions;
  defaults: {
    connections: number;
    minS: number;
    maxS: number;
    maxHeadroom: number;
    resolution: string;
    ladderStepS: number;
  };
  main: MainTable;
  /** idlescope and the k-ary-rounds peer over several search ranges, beside the floor (T + grace). */
  range: RangeRow[];
  /**
   * idlescope at its defaults on a dense grid of T, every eviction mode: "any T", not just the main table's
   * nine.
   */
  grid: { fromS: number; toS: number; points: number; rows: GridRow[] };
  tradeoff: { timeoutsS: number[]; budgets: number[]; resolutions: number[]; cells: TradeoffCell[] };
  noisy: NoisyRow[];
  /** The noisy behaviours again, many seeds or sweep phases each, summarised per case. */
  robustness: RobustnessRow[];
  memory: { node: string; counts: number[]; rows: MemoryRow[] } | null;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SEARCH_PATHS = ['client/search', 'bench/simulation'];

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

export function searchRevision(): BenchReport['searchRevision'] {
  const commit = git(['log', '-1', '--format=%h', '--', ...SEARCH_PATHS]);
  const status = git(['status', '--porcelain', '--', ...SEARCH_PATHS]);
  return { commit: commit === '' ? null : commit, dirty: status !== null && status !== '' };
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const timeouts = options.quick ? [...QUICK_TIMEOUTS_S] : [...MAIN_TIMEOUTS_S];
  const tradeoff = options.quick
    ? { timeoutsS: [350], budgets: [16, 256], resolutions: [0.01] }
    : {
        timeoutsS: [...TRADEOFF_TIMEOUTS_S],
        budgets: [...TRADEOFF_BUDGETS],
        resolutions: [...TRADEOFF_RESOLUTIONS],
      };
  const points = options.quick ? QUICK_GRID_POINTS : GRID_POINTS;
  const counts = options.quick ? [...QUICK_MEMORY_COUNTS] : [...MEMORY_COUNTS];
  return {
    schema: 1,
    quick: options.quick,
    searchRevision: searchRevision(),
    simulation: DEFAULT_SIMULATION,
    defaults: {
      connections: DEFAULT_CONNECTIONS,
      minS: MIN_S,
      maxS: MAX_S,
      maxHeadroom: MAX_HEADROOM,
      resolution: 'max(1 s, 1% of T)',
      ladderStepS: LADDER_STEP_MS / 1000,
    },
    main: mainTable(timeouts),
    range: rangeTable(options.quick ? QUICK_RANGE_CASES : RANGE_CASES),
    grid: { fromS: GRID_FROM_S, toS: GRID_TO_S, points, rows: timeoutGridTable(points) },
    tradeoff: {
      ...tradeoff,
      cells: tradeoffTable(tradeoff.timeoutsS, tradeoff.budgets, tradeoff.resolutions),
    },
    noisy: noisyTable(),
    robustness: robustnessTable(options.quick ? QUICK_ROBUSTNESS_RUNS : ROBUSTNESS_RUNS),
    memory: options.memory
      ? { node: process.version, counts, rows: await memoryTable(counts, options.quick ? 1 : MEMORY_RUNS) }
      : null,
  };
}
