/**
 * The simulated part of the bench: every strategy against the same middlebox models on the same
 * virtual clock (bench/simulation/virtual-driver.ts), so the numbers compare search strategies
 * and nothing else. Deterministic: the models are seeded and the clock is virtual. This file has
 * the sharp-timeout comparison, the budget trade-off and what every table shares (defaults, the
 * acceptance, one run, its summary); the noisy middleboxes are noisy-table.ts's.
 */
import { createSearch, defaultResolutionMs } from '../client/search/search-config.js';
import type { Direction, DirectionResult, SearchEngine } from '../client/search/types.js';
import { SharpTimeout, type MiddleboxModel } from './simulation/middlebox-models.js';
import { DEFAULT_SIMULATION, simulate, type SimulationStats } from './simulation/virtual-driver.js';
import { SerialBinarySearch } from './strategies/serial-binary.js';
import { LADDER_STEP_MS, LinearLadderSearch } from './strategies/linear-ladder.js';
import { RunawayGuard } from './runaway-guard.js';
import { round } from './stats.js';
import { resultNotes } from '../client/report/findings-text.js';

const S = 1000;

/** idlescope's defaults (client/cli/search-flags.ts): 256 connections over all directions, 1 s .. 7440 s. */
export const DEFAULT_CONNECTIONS = 256;
export const MIN_S = 1;
export const MAX_S = 7440;
/** When T is at --max itself, 7440 s is not an eviction within max: search up to 1.25 x. */
export const MAX_HEADROOM = 1.25;

export const MAIN_TIMEOUTS_S = [5, 30, 60, 240, 300, 350, 1200, 3600, 7440] as const;
export const QUICK_TIMEOUTS_S = [30, 350] as const;
export const TRADEOFF_TIMEOUTS_S = [60, 350, 3600] as const;
export const TRADEOFF_BUDGETS = [16, 32, 64, 128, 256, 1024, 4096] as const;
export const TRADEOFF_RESOLUTIONS = [0.01, 0.005] as const;

export type StrategyName =
  | 'idlescope'
  | 'idlescope (both directions)'
  | 'serial-binary'
  | 'linear-ladder'
  | 'linear-ladder (stop at 1st eviction)';

/** Wall time at most 1.1 T + 10 s and a bracket no wider than max(1 s, 1% of T). */
export function meetsAcceptance(
  timeoutMs: number,
  elapsedMs: number,
  widthMs: number | null,
  resolutionMs = defaultResolutionMs,
): boolean {
  return elapsedMs <= 1.1 * timeoutMs + 10 * S && widthMs !== null && widthMs <= resolutionMs(timeoutMs);
}

/** What one direction reported, in seconds, beside the truth. */
export interface BracketSummary {
  direction: Direction;
  survivedS: number | null;
  evictedS: number | null;
  /** evicted - survived, with "nothing survived" counted from 0 (null: nothing evicted). */
  widthS: number | null;
  containsTruth: boolean;
  confidence: number;
  notes: string[];
}

export interface RunSummary {
  strategy: StrategyName;
  model: string;
  timeoutS: number;
  minS: number;
  maxS: number;
  connections: number;
  elapsedS: number;
  /** elapsed / T. */
  ratio: number;
  directions: BracketSummary[];
  /** Widest bracket over the directions, and its share of T. */
  widthS: number | null;
  widthOverT: number | null;
  /** Every direction's bracket contains its truth. */
  containsT: boolean;
  connectionsOpened: number;
  peakConcurrent: number;
  probesSent: number;
  packets: number;
  bytes: number;
  hitLimit: boolean;
  /** 1.1 T + 10 s and width ≤ max(1 s, 1% T), every direction. */
  pass: boolean;
}

export interface MainTable {
  title: string;
  model: string;
  rows: RunSummary[];
  /** idlescope rows that meet the acceptance, of all idlescope rows. */
  idlescopePassed: number;
  idlescopeRows: number;
}

export interface TradeoffCell {
  timeoutS: number;
  resolution: number;
  budget: number;
  elapsedS: number;
  ratio: number;
  widthS: number | null;
  widthOverT: number | null;
  containsT: boolean;
  probesSent: number;
  connectionsOpened: number;
  pass: boolean;
}

/** idlescope's own search at the bench's --min, for one direction. */
export function idlescope(
  direction: Direction,
  maxMs: number,
  connections: number,
  resolutionMs = defaultResolutionMs,
  minMs = MIN_S * S,
): ReturnType<typeof createSearch> {
  return createSearch({ direction, minMs, maxMs, resolutionMs, maxConnections: connections });
}

/**
 * `truthMs` is where evictions begin: [T, T] for a sharp timeout, [T, T + G] for a sweep of period
 * G. A bracket contains the truth when lo ≤ a and hi ≥ b: it claims no survival past the first
 * possible eviction and does not cut the zone short (which would pretend the timeout is sharp).
 */
export function summarize(result: DirectionResult, truthMs: [number, number]): BracketSummary {
  const lo = result.survivedMs;
  const hi = result.evictedMs;
  const width = hi === null ? null : hi - (lo ?? 0);
  return {
    direction: result.direction,
    survivedS: lo === null ? null : round(lo / S),
    evictedS: hi === null ? null : round(hi / S),
    widthS: width === null ? null : round(width / S),
    containsTruth: hi !== null && (lo ?? 0) <= truthMs[0] && hi >= truthMs[1],
    confidence: round(result.confidence, 3),
    notes: resultNotes(result),
  };
}

/** Simulates guarded engines; `hitLimit` also covers a search the guard had to stop. */
export function guardedSimulate(
  engines: SearchEngine[],
  model: MiddleboxModel,
  limitMs = DEFAULT_SIMULATION.limitMs,
  rttMs = DEFAULT_SIMULATION.rttMs,
): SimulationStats {
  const guards = engines.map((e) => new RunawayGuard(e));
  const stats = simulate(guards, model, { ...DEFAULT_SIMULATION, limitMs, rttMs });
  return { ...stats, hitLimit: stats.hitLimit || guards.some((g) => g.tripped) };
}

function runOne(
  strategy: StrategyName,
  engines: SearchEngine[],
  model: MiddleboxModel,
  timeoutMs: number,
  maxMs: number,
  connections: number,
): RunSummary {
  const stats = guardedSimulate(engines, model);
  const directions = engines.map((e) => summarize(e.result(), [timeoutMs, timeoutMs]));
  const widths = directions.map((d) => d.widthS);
  const widthS = widths.some((w) => w === null) ? null : Math.max(...(widths as number[]));
  const pass = engines.every((e) => {
    const r = e.result();
    const width = r.evictedMs === null ? null : r.evictedMs - (r.survivedMs ?? 0);
    return meetsAcceptance(timeoutMs, stats.elapsedMs, width);
  });
  return {
    strategy,
    model: model.name,
    timeoutS: timeoutMs / S,
    minS: MIN_S,
    maxS: maxMs / S,
    connections,
    elapsedS: round(stats.elapsedMs / S),
    ratio: round(stats.elapsedMs / timeoutMs, 4),
    directions,
    widthS,
    widthOverT: widthS === null ? null : round(widthS / (timeoutMs / S), 5),
    containsT: directions.every((d) => d.containsTruth),
    connectionsOpened: stats.connectionsOpened,
    peakConcurrent: stats.peakConcurrent,
    probesSent: stats.probesSent,
    packets: stats.packets,
    bytes: stats.bytes,
    hitLimit: stats.hitLimit,
    pass: pass && !stats.hitLimit,
  };
}

/** --max for a timeout: the default, or 1.25 x T when T is not below the default. */
export function maxMsFor(timeoutS: number): number {
  return timeoutS < MAX_S ? MAX_S * S : Math.round(timeoutS * MAX_HEADROOM) * S;
}

/** Every strategy on SharpTimeout 'drop' at `timeoutS`, inbound (idlescope also with both directions). */
export function compareAt(timeoutS: number, ladderStepMs = LADDER_STEP_MS): RunSummary[] {
  const T = timeoutS * S;
  const maxMs = maxMsFor(timeoutS);
  const model = (): SharpTimeout => new SharpTimeout(T, 'drop');
  const n = DEFAULT_CONNECTIONS;
  return [
    runOne('idlescope', [idlescope('inbound', maxMs, n)], model(), T, maxMs, n),
    runOne(
      'idlescope (both directions)',
      [idlescope('inbound', maxMs, n / 2), idlescope('outbound', maxMs, n / 2)],
      model(),
      T,
      maxMs,
      n,
    ),
    runOne(
      'serial-binary',
      [
        new SerialBinarySearch({
          direction: 'inbound',
          minMs: MIN_S * S,
          maxMs,
          resolutionMs: defaultResolutionMs,
        }),
      ],
      model(),
      T,
      maxMs,
      1,
    ),
    runOne(
      'linear-ladder',
      [
        new LinearLadderSearch({
          direction: 'inbound',
          maxMs,
          maxConnections: n,
          stepMs: ladderStepMs,
          stopOnEviction: false,
        }),
      ],
      model(),
      T,
      maxMs,
      n,
    ),
    runOne(
      'linear-ladder (stop at 1st eviction)',
      [
        new LinearLadderSearch({
          direction: 'inbound',
          maxMs,
          maxConnections: n,
          stepMs: ladderStepMs,
          stopOnEviction: true,
        }),
      ],
      model(),
      T,
      maxMs,
      n,
    ),
  ];
}

export function mainTable(timeoutsS: readonly number[]): MainTable {
  const rows = timeoutsS.flatMap((t) => compareAt(t));
  const ours = rows.filter((r) => r.strategy.startsWith('idlescope'));
  return {
    title: 'idlescope vs the peers on a sharp timeout (SharpTimeout drop)',
    model: 'SharpTimeout drop',
    rows,
    idlescopePassed: ours.filter((r) => r.pass).length,
    idlescopeRows: ours.length,
  };
}

/** A resolution of `fraction` of the bound, never finer than 1 s (the default's floor). */
export function resolutionOf(fraction: number): (hiMs: number) => number {
  return (hiMs) => Math.max(1000, hiMs * fraction);
}

export function tradeoffTable(
  timeoutsS: readonly number[],
  budgets: readonly number[],
  resolutions: readonly number[],
): TradeoffCell[] {
  const cells: TradeoffCell[] = [];
  for (const timeoutS of timeoutsS) {
    const T = timeoutS * S;
    const maxMs = maxMsFor(timeoutS);
    for (const fraction of resolutions) {
      const resolutionMs = resolutionOf(fraction);
      for (const budget of budgets) {
        const r = runOne(
          'idlescope',
          [idlescope('inbound', maxMs, budget, resolutionMs)],
          new SharpTimeout(T, 'drop'),
          T,
          maxMs,
          budget,
        );
        const width = r.widthS === null ? null : r.widthS * S;
        cells.push({
          timeoutS,
          resolution: fraction,
          budget,
          elapsedS: r.elapsedS,
          ratio: r.ratio,
          widthS: r.widthS,
          widthOverT: r.widthOverT,
          containsT: r.containsT,
          probesSent: r.probesSent,
          connectionsOpened: r.connectionsOpened,
          pass: !r.hitLimit && meetsAcceptance(T, r.elapsedS * S, width, resolutionMs),
        });
      }
    }
  }
  return cells;
}
