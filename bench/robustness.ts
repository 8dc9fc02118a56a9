/**
 * The noisy middleboxes across seeds: each noisy behaviour run many times (loss seeds, sweep
 * phases) and every run judged as test/client/search/noisy-middleboxes.test.ts judges it, so a reader
 * sees how reliably the search handles the behaviour instead of one run that may be lucky.
 * Deterministic: the models are seeded, the phases fixed and the clock virtual.
 */
import type { Direction, DirectionResult, Observation } from '../client/search/types.js';
import {
  DirectionalTimeout,
  LossyPath,
  PeriodicSweep,
  SharpTimeout,
  TableLimit,
  type MiddleboxModel,
} from './simulation/middlebox-models.js';
import {
  DEFAULT_CONNECTIONS,
  MAX_S,
  guardedSimulate,
  idlescope,
  summarize,
  type BracketSummary,
} from './scenarios.js';
import { NOISY_LIMIT_MS } from './noisy-table.js';
import { median, round } from './stats.js';
import { resultNotes } from '../client/report/findings-text.js';

const S = 1000;

/** Seeds or sweep phases per varied case; `--quick` runs the first QUICK_ROBUSTNESS_RUNS of them. */
export const ROBUSTNESS_RUNS = 20;
export const QUICK_ROBUSTNESS_RUNS = 3;

/** A loss run that set aside a silent eviction below this share of T must say it was loss. */
const LOSS_NOTE_BELOW = 0.97;

export type NoisyBehaviour = 'sweep' | 'loss' | 'table' | 'directional';

/**
 * A check one run failed: the truth outside its bracket, the behaviour unnamed, its own observations against
 * it, or cut short.
 */
export type RobustnessCheck = 'truth' | 'named' | 'contradicted' | 'limit';

/** One direction of one run that failed a check, with what it reported. */
export interface RobustnessMiss {
  /** "phase 530 ms", "seed 3", "RTT 34 ms", or null for a deterministic case's one run. */
  variant: string | null;
  direction: Direction;
  failed: RobustnessCheck[];
  /** (survived, evicted] in seconds. */
  bracketS: [number | null, number | null];
  notes: string[];
}

export interface RobustnessRow {
  case: string;
  behaviour: NoisyBehaviour;
  /** What changes between runs ("phases 530–10600 ms", "seeds 1–20", "RTT 30–68 ms"), or "deterministic". */
  varied: string;
  /** The truth in words, per direction where it differs. */
  truth: string;
  directions: Direction[];
  connectionsPerDirection: number;
  /** simulate() calls. */
  simulations: number;
  /** Direction results judged: simulations × directions. */
  runs: number;
  /** Runs whose bracket holds the truth [a, b]: survived ≤ a and evicted ≥ b. */
  truthInside: number;
  /** Runs whose notes name the behaviour; null where no note is expected (a directional timeout). */
  named: number | null;
  /** Runs where a note is expected (a full table may leave one direction untouched: nothing to name). */
  namable: number;
  /**
   * Runs with no survival at or past the evicted bound and no reset or close at or below the survived bound.
   */
  neverContradicted: number;
  /** Runs cut at NOISY_LIMIT_MS of virtual time or stopped by the runaway guard. */
  cut: number;
  /**
   * Virtual wall time of each simulation over the case's T (for the directional case, the longer one);
   * `maxAt` names the slowest run.
   */
  wallOverT: { median: number; max: number; maxAt: string | null };
  widthMedianS: number | null;
  /** Probes sent per direction (the search's own count). */
  probesMedian: number | null;
  misses: RobustnessMiss[];
}

/**
 * What changes between a case's runs: the sweep's phase, the loss's seed, or the path's RTT (the
 * table model has neither phase nor seed, and with both directions searched its outcome depends on
 * how the two searches' passes line up in time, which the RTT moves).
 */
type Variation =
  | { what: 'phase'; stepMs: number }
  | { what: 'seed' }
  | { what: 'rtt'; fromMs: number; stepMs: number }
  | null;

interface RobustnessCase {
  name: string;
  behaviour: NoisyBehaviour;
  truth: string;
  /** What wall time is divided by. */
  timeoutMs: number;
  directions: { direction: Direction; truthMs: [number, number] }[];
  vary: Variation;
  /** The model for one run: `value` is the phase in ms, the seed, the RTT, or 0 for a deterministic case. */
  build: (value: number) => MiddleboxModel;
}

type Searched = 'inbound' | 'both';

function searched(which: Searched, truth: (d: Direction) => [number, number]): RobustnessCase['directions'] {
  const directions: Direction[] = which === 'inbound' ? ['inbound'] : ['inbound', 'outbound'];
  return directions.map((direction) => ({ direction, truthMs: truth(direction) }));
}

function sweep(timeoutS: number, periodS: number, stepMs: number, which: Searched): RobustnessCase {
  return {
    name: `periodic sweep T=${timeoutS} s, G=${periodS} s`,
    behaviour: 'sweep',
    truth: `evicted between ${timeoutS} s and ${timeoutS + periodS} s`,
    timeoutMs: timeoutS * S,
    directions: searched(which, () => [timeoutS * S, (timeoutS + periodS) * S]),
    vary: { what: 'phase', stepMs },
    build: (phaseMs) => new PeriodicSweep(timeoutS * S, periodS * S, phaseMs),
  };
}

function loss(rate: number, which: Searched): RobustnessCase {
  const T = 350 * S;
  return {
    name: `probe loss ${rate * 100}% on T=350 s`,
    behaviour: 'loss',
    truth: 'T = 350 s',
    timeoutMs: T,
    directions: searched(which, () => [T, T]),
    vary: { what: 'seed' },
    build: (seed) => new LossyPath(new SharpTimeout(T, 'drop'), rate, seed),
  };
}

/** The table cases' RTTs: 30 ms, 32 ms, ... (the main table's 40 ms among them). */
const TABLE_RTT_FROM_MS = 30;
const TABLE_RTT_STEP_MS = 2;

function table(capacity: number): RobustnessCase {
  const T = 350 * S;
  return {
    name: `table limit ${capacity} on T=350 s`,
    behaviour: 'table',
    truth: `T = 350 s (table of ${capacity})`,
    timeoutMs: T,
    directions: searched('both', () => [T, T]),
    vary: { what: 'rtt', fromMs: TABLE_RTT_FROM_MS, stepMs: TABLE_RTT_STEP_MS },
    build: () => new TableLimit(new SharpTimeout(T, 'drop'), capacity),
  };
}

/** The cases, in the order of the table. */
export function robustnessCases(): RobustnessCase[] {
  return [
    sweep(300, 10, 530, 'inbound'),
    sweep(300, 10, 530, 'both'),
    sweep(60, 5, 370, 'both'),
    // Longer sweeps, relative to T: the batches cannot catch every phase, and the sawtooth bounds
    // the zone between the ones they do catch (client/search/sawtooth.ts).
    sweep(300, 20, 1030, 'inbound'),
    sweep(120, 30, 1530, 'both'),
    sweep(30, 3, 150, 'both'),
    sweep(3600, 60, 3100, 'both'),
    loss(0.01, 'inbound'),
    loss(0.01, 'both'),
    loss(0.05, 'inbound'),
    loss(0.05, 'both'),
    table(16),
    table(64),
    table(200),
    {
      name: 'directional in=120 s out=300 s',
      behaviour: 'directional',
      truth: 'inbound 120 s, outbound 300 s',
      timeoutMs: 300 * S,
      directions: searched('both', (d) => (d === 'inbound' ? [120 * S, 120 * S] : [300 * S, 300 * S])),
      vary: null,
      build: () => new DirectionalTimeout(120 * S, 300 * S),
    },
  ];
}

/**
 * Observations the reported bracket contradicts: a survival at or past the evicted bound, a reset or close at
 * or below the survived one.
 */
export function contradictions(r: DirectionResult): Observation[] {
  return r.observations.filter(
    (o) =>
      (o.survived && r.evictedMs !== null && o.idleMs >= r.evictedMs) ||
      (!o.survived &&
        (o.how === 'reset' || o.how === 'close') &&
        r.survivedMs !== null &&
        o.idleMs <= r.survivedMs),
  );
}

/**
 * Whether the findings name `behaviour`; null where none is expected (a directional timeout, or a
 * direction a full table never struck early), judged by finding kind. A loss run must blame
 * neither a sweep nor a full table, and must report its unanswered tests (probe loss, or a re-check
 * that found loss on the path or could not tell) when it set aside a silent eviction well below T
 * (`truthMs[0]`).
 */
export function namesBehaviour(
  behaviour: NoisyBehaviour,
  r: DirectionResult,
  truthMs: [number, number],
): boolean | null {
  const found = new Set(r.findings.map((f) => f.kind));
  switch (behaviour) {
    case 'sweep':
      return found.has('sweep');
    case 'table': {
      // A direction the table never struck early has nothing to name.
      const struck = r.observations.some(
        (o) => !o.survived && r.survivedMs !== null && o.idleMs < r.survivedMs,
      );
      if (!struck) return null;
      // Either the re-check moved the answer, or it found the same one with few connections and says so.
      return found.has('table-depends') || found.has('recheck-same') || found.has('recheck-shared');
    }
    case 'loss': {
      if (found.has('sweep') || found.has('table-depends')) return false;
      const setAside = r.observations.some(
        (o) => !o.survived && o.how === 'silent-drop' && o.idleMs < LOSS_NOTE_BELOW * truthMs[0],
      );
      return !setAside || found.has('probe-loss') || found.has('recheck-loss') || found.has('recheck-same');
    }
    case 'directional':
      return null;
    default: {
      const never: never = behaviour;
      throw new Error(`unknown behaviour ${String(never)}`);
    }
  }
}

function variants(vary: Variation, runs: number): { label: string | null; value: number }[] {
  if (vary === null) return [{ label: null, value: 0 }];
  return Array.from({ length: runs }, (_, i) => {
    switch (vary.what) {
      case 'phase':
        return { label: `phase ${(i + 1) * vary.stepMs} ms`, value: (i + 1) * vary.stepMs };
      case 'seed':
        return { label: `seed ${i + 1}`, value: i + 1 };
      case 'rtt': {
        const rttMs = vary.fromMs + i * vary.stepMs;
        return { label: `RTT ${rttMs} ms`, value: rttMs };
      }
    }
  });
}

function describeVariation(vary: Variation, runs: number): string {
  if (vary === null) return 'deterministic';
  if (vary.what === 'seed') return runs === 1 ? 'seed 1' : `seeds 1–${runs}`;
  if (vary.what === 'rtt')
    return runs === 1
      ? `RTT ${vary.fromMs} ms`
      : `RTT ${vary.fromMs}–${vary.fromMs + (runs - 1) * vary.stepMs} ms`;
  return runs === 1 ? `phase ${vary.stepMs} ms` : `phases ${vary.stepMs}–${runs * vary.stepMs} ms`;
}

/** One direction of one simulation, judged. */
interface JudgedRun {
  variant: string | null;
  /** The simulation's wall time over T (shared by the directions searched together). */
  wallOverT: number;
  result: DirectionResult;
  summary: BracketSummary;
  named: boolean | null;
  failed: RobustnessCheck[];
}

function judgeRuns(c: RobustnessCase, runsPerCase: number, connectionsPerDirection: number): JudgedRun[] {
  return variants(c.vary, runsPerCase).flatMap(({ label, value }) => {
    const engines = c.directions.map((d) => idlescope(d.direction, MAX_S * S, connectionsPerDirection));
    const rttMs = c.vary?.what === 'rtt' ? value : undefined;
    const stats = guardedSimulate(engines, c.build(value), NOISY_LIMIT_MS, rttMs);
    return engines.map((engine, i) => {
      const { truthMs } = c.directions[i] as RobustnessCase['directions'][number];
      const result = engine.result();
      const summary = summarize(result, truthMs);
      const named = namesBehaviour(c.behaviour, result, truthMs);
      const failed: RobustnessCheck[] = [];
      if (!summary.containsTruth) failed.push('truth');
      if (named === false) failed.push('named');
      if (contradictions(result).length > 0) failed.push('contradicted');
      if (stats.hitLimit) failed.push('limit');
      return { variant: label, wallOverT: stats.elapsedMs / c.timeoutMs, result, summary, named, failed };
    });
  });
}

function robustnessRow(c: RobustnessCase, runsPerCase: number): RobustnessRow {
  // The default budget: all of it for one direction, split when both are searched in one simulation.
  const perDirection = DEFAULT_CONNECTIONS / c.directions.length;
  const runs = judgeRuns(c, runsPerCase, perDirection);
  const passed = (check: RobustnessCheck): number => runs.filter((r) => !r.failed.includes(check)).length;
  const slowest = runs.reduce((a, b) => (b.wallOverT > a.wallOverT ? b : a));
  const simulations = runs.length / c.directions.length;
  return {
    case: c.name,
    behaviour: c.behaviour,
    varied: describeVariation(c.vary, simulations),
    truth: c.truth,
    directions: c.directions.map((d) => d.direction),
    connectionsPerDirection: perDirection,
    simulations,
    runs: runs.length,
    truthInside: passed('truth'),
    named: c.behaviour === 'directional' ? null : runs.filter((r) => r.named === true).length,
    namable: runs.filter((r) => r.named !== null).length,
    neverContradicted: passed('contradicted'),
    cut: runs.length - passed('limit'),
    wallOverT: {
      median: round(median(runs.map((r) => r.wallOverT)) as number),
      max: round(slowest.wallOverT),
      maxAt: slowest.variant,
    },
    widthMedianS: nullableRound(median(runs.map((r) => r.summary.widthS))),
    probesMedian: nullableRound(median(runs.map((r) => r.result.probesSent))),
    misses: runs
      .filter((r) => r.failed.length > 0)
      .map((r) => ({
        variant: r.variant,
        direction: r.result.direction,
        failed: r.failed,
        bracketS: [r.summary.survivedS, r.summary.evictedS],
        notes: resultNotes(r.result),
      })),
  };
}

function nullableRound(x: number | null): number | null {
  return x === null ? null : round(x);
}

/** Every case, `runsPerCase` seeds or phases each (a deterministic case runs once). */
export function robustnessTable(runsPerCase: number): RobustnessRow[] {
  return robustnessCases().map((c) => robustnessRow(c, runsPerCase));
}
