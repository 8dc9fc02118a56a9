/**
 * The acceptance says "any T from 5 s to 7440 s", and the main table shows nine. This table runs
 * idlescope at its defaults on a dense, log-spaced grid of timeouts (to the millisecond, so none
 * is a round number the search could be lucky on), for every eviction mode and for one and both
 * directions, and reports how many meet the acceptance and the worst case. Deterministic.
 */
import type { MiddleboxMode } from '../client/demo/middlebox-mode.js';
import { SharpTimeout } from './simulation/middlebox-models.js';
import {
  DEFAULT_CONNECTIONS,
  MAX_S,
  guardedSimulate,
  idlescope,
  maxMsFor,
  meetsAcceptance,
} from './scenarios.js';
import { round } from './stats.js';
import { DEFAULT_SIMULATION } from './simulation/virtual-driver.js';

const S = 1000;

export const GRID_FROM_S = 5;
export const GRID_TO_S = 7440;
/** Timeouts per mode and configuration; `--quick` runs QUICK_GRID_POINTS. */
export const GRID_POINTS = 400;
export const QUICK_GRID_POINTS = 12;
export const GRID_MODES: readonly MiddleboxMode[] = ['drop', 'reset', 'close'];

export interface GridRow {
  mode: MiddleboxMode;
  /** "inbound, 256" or "both, 128 each". */
  searched: string;
  runs: number;
  /** Every direction's bracket holds T. */
  inside: number;
  /** Wall ≤ 1.1 T + 10 s, width ≤ max(1 s, 1% of T), T inside, not cut. */
  passed: number;
  /** Largest wall / T, and the T (s) where it happened. */
  worstRatio: number;
  worstRatioAtS: number;
  /**
   * Largest share of the acceptance's allowance used: (wall − T) / (0.1 T + 10 s). Below 1 passes;
   * this says how close to the line the closest run came.
   */
  worstAllowance: number;
  worstAllowanceAtS: number;
  /** Timeouts (s) that failed, the first few. */
  failedAtS: number[];
  /** Runs within the floor target: wall ≤ T + grace + max(1 s, 3% of T) (`nearFloor`). */
  nearFloor: number;
  /** Largest wall − (T + grace) over its allowance max(1 s, 3% of T), and the T (s) where it happened. */
  worstOverFloorS: number;
  worstOverFloorAllowanceS: number;
  worstOverFloorAtS: number;
}

/** The floor target's allowance over T + grace: max(1 s, 3% of T). */
export function floorAllowanceMs(timeoutMs: number): number {
  return Math.max(S, 0.03 * timeoutMs);
}

/** `points` timeouts from 5 s to 7440 s, evenly spaced on a log scale, in whole milliseconds. */
export function gridTimeoutsMs(points: number): number[] {
  const span = GRID_TO_S / GRID_FROM_S;
  return Array.from({ length: points }, (_, i) =>
    Math.round(GRID_FROM_S * S * span ** (i / Math.max(1, points - 1))),
  );
}

function runGrid(mode: MiddleboxMode, both: boolean, timeoutsMs: number[]): GridRow {
  const row: GridRow = {
    mode,
    searched: both ? `both, ${DEFAULT_CONNECTIONS / 2} each` : `inbound, ${DEFAULT_CONNECTIONS}`,
    runs: 0,
    inside: 0,
    passed: 0,
    worstRatio: 0,
    worstRatioAtS: 0,
    worstAllowance: Number.NEGATIVE_INFINITY,
    worstAllowanceAtS: 0,
    failedAtS: [],
    nearFloor: 0,
    worstOverFloorS: Number.NEGATIVE_INFINITY,
    worstOverFloorAllowanceS: 0,
    worstOverFloorAtS: 0,
  };
  for (const T of timeoutsMs) {
    const maxMs = T >= MAX_S * S ? maxMsFor(T / S) : MAX_S * S;
    const engines = both
      ? [
          idlescope('inbound', maxMs, DEFAULT_CONNECTIONS / 2),
          idlescope('outbound', maxMs, DEFAULT_CONNECTIONS / 2),
        ]
      : [idlescope('inbound', maxMs, DEFAULT_CONNECTIONS)];
    const stats = guardedSimulate(engines, new SharpTimeout(T, mode));
    const results = engines.map((e) => e.result());
    // A FIN or RST from the middlebox is dated when it arrives, so the evicted bound is ≥ T.
    const inside = results.every((r) => r.evictedMs !== null && (r.survivedMs ?? 0) <= T && r.evictedMs >= T);
    const meets = results.every((r) =>
      meetsAcceptance(T, stats.elapsedMs, r.evictedMs === null ? null : r.evictedMs - (r.survivedMs ?? 0)),
    );
    row.runs += 1;
    if (inside) row.inside += 1;
    if (inside && meets && !stats.hitLimit) row.passed += 1;
    else if (row.failedAtS.length < 5) row.failedAtS.push(T / S);
    const ratio = stats.elapsedMs / T;
    if (ratio > row.worstRatio) [row.worstRatio, row.worstRatioAtS] = [round(ratio, 4), T / S];
    const overFloorMs = stats.elapsedMs - T - DEFAULT_SIMULATION.graceMs;
    if (inside && overFloorMs <= floorAllowanceMs(T)) row.nearFloor += 1;
    if (overFloorMs - floorAllowanceMs(T) > 1000 * (row.worstOverFloorS - row.worstOverFloorAllowanceS))
      [row.worstOverFloorS, row.worstOverFloorAllowanceS, row.worstOverFloorAtS] = [
        round(overFloorMs / S, 2),
        round(floorAllowanceMs(T) / S, 2),
        T / S,
      ];
    const allowance = (stats.elapsedMs - T) / (0.1 * T + 10 * S);
    if (allowance > row.worstAllowance)
      [row.worstAllowance, row.worstAllowanceAtS] = [round(allowance, 4), T / S];
  }
  return row;
}

/** Every mode, inbound alone and both directions, over `points` timeouts. */
export function timeoutGridTable(points: number): GridRow[] {
  const timeoutsMs = gridTimeoutsMs(points);
  return GRID_MODES.flatMap((mode) => [runGrid(mode, false, timeoutsMs), runGrid(mode, true, timeoutsMs)]);
}
