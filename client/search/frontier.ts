/**
 * The frontier: where the search tests while no eviction bounds it from above, and how it splits
 * a bracket once one does.
 *
 *   no eviction yet   test at lo x q (pipelined: a pending probe counts as survived for planning);
 *                     the oldest connection crosses it first. A re-check climbs one resolution at
 *                     a time through the bracket it expects instead (the fine frontier).
 *   bracket (lo, hi]  split every gap wider than the resolution into equal parts and test all the
 *                     split points at once (k-ary: one round when clocks are near them).
 *
 *   time ──►  0            lo·q        ...        T    T·q   ~1.1 T
 *   frontier  ●───────────●───────────●───────────●────✗      first eviction: (T/q, T·q]
 *   comb      recycled clocks sweep upward through the bracket; each split point is probed as a
 *             clock crosses it, so the refinement costs about the width of the bracket in time.
 *
 * Recycling makes the pool self-organising: after the frontier has used every connection once,
 * the oldest clock was recycled B probes ago, so it offers about T·(1 - q^-B) when the frontier
 * reaches T (B = connection budget). That, plus q, bounds the wall time near q·T / (1 - q^-B),
 * which is why q depends on the budget (`frontierGrowthFor`): 1.04 from 128 connections up.
 */
import type { Bracket } from './bracket.js';
import { CROSSING_TOLERANCE_MS, type Target } from './clock-pool.js';
import type { SearchLimits } from './types.js';

/** Ratio between successive frontier tests before the first eviction: the finest ever used. */
export const FRONTIER_GROWTH = 1.04;

/** The share of the first bracket's width that the comb pays in wall time. */
const FRONTIER_WIDTH_COST = 0.5;
const MAX_FRONTIER_GROWTH = 1.5;

/** Most parts a gap is split into per round. */
const MAX_SPLIT = 12;

/** The fine frontier's rungs, as a fraction of the resolution. */
const FINE_RUNG_FRACTION = 0.9;

/**
 * The frontier ratio for a budget of B connections. Recycled by a frontier of ratio q, the oldest
 * clock offers about T·(1 - q^-B) when the frontier reaches T, so the first eviction comes near
 * q·T / (1 - q^-B): few connections need a coarser q, or they wait. A coarser q leaves a wider
 * first bracket, about (q - 1)·T, for the comb to refine; about half of it is paid in time. The
 * ratio minimising the two together, never finer than FRONTIER_GROWTH (which 128 connections and
 * more already reach).
 *
 *   B      16     32     64     128+
 *   q    ~1.17  ~1.10  ~1.06   1.04
 */
export function frontierGrowthFor(budget: number): number {
  const cost = (q: number): number => q / (1 - q ** -budget) + FRONTIER_WIDTH_COST * (q - 1);
  let best = FRONTIER_GROWTH;
  for (let q = FRONTIER_GROWTH; q <= MAX_FRONTIER_GROWTH; q += 0.005) if (cost(q) < cost(best)) best = q;
  return best;
}

/**
 * The bracket is as narrow as asked (or ends at --min): the frontier's work is done, and
 * verification's begins. The width is judged at the lower bound, which is at most T, so it meets
 * the resolution at T.
 */
export function isNarrow(limits: SearchLimits, { loMs, hiMs }: Bracket): boolean {
  if (hiMs === null) return false;
  if (hiMs <= limits.minMs) return true;
  return loMs !== null && hiMs - loMs <= limits.resolutionMs(loMs);
}

/**
 * Over a range narrower than the default (--min above 1 s), the frontier's rungs lie on the grid
 * RUNG_GRID_BASE_MS x q^k, where a climb from 1 s by the ratio would have put them, instead of on a
 * ladder from --min: a ladder from --min lands its rungs elsewhere relative to T, and T = 90 s over
 * 30..270 s first failed at 92.1 s against 90.6 s over 1..7440 s. From 1 s the frontier still climbs
 * by the ratio from the longest idle tested (its rungs drift by the tests' delays, a few tens of
 * ms): moving those rungs too changes every run, and the full-table re-checks of the noisy suite
 * were tuned on them (on the grid, a table of 64 took 1000 s instead of under 700 s).
 */
const RUNG_GRID_BASE_MS = 1000;

/**
 * The first rung of the grid above `idleMs`. A tested idle is a little past its rung, or up to the
 * crossing tolerance before it: a clock that close counts as having crossed (clock-pool.ts), and
 * real timers do fire a hair early. Without the tolerance here, such a test named its own rung
 * again, and the frontier tested that rung on a second and third clock: in the lab
 * (firewall-reset, T = 5 s over 2..15 s) 10 of the outbound's 35 oldest clocks went on repeats,
 * none was left for the rung above T, and the run waited a second for a younger one.
 */
export function rungAbove(idleMs: number, growth: number): number {
  const passedMs = idleMs + CROSSING_TOLERANCE_MS;
  const k = Math.floor(Math.log(passedMs / RUNG_GRID_BASE_MS) / Math.log(growth) + 1e-9);
  return RUNG_GRID_BASE_MS * growth ** (k + 1);
}

/** One pass's frontier: fixed when the pass starts. */
export interface Frontier {
  /** Where the frontier starts: a re-check begins just below what the first pass found. */
  readonly startMs: number;
  /** Ratio between successive frontier tests, for this pass's budget (`frontierGrowthFor`). */
  readonly growth: number;
  /** Below this the frontier climbs one resolution at a time: a re-check where the answer is expected. */
  readonly fineUntilMs: number;
  /** The rungs lie on the grid (`rungAbove`), not on a ladder from the start. */
  readonly onGrid: boolean;
}

export function frontierFor(
  budget: number,
  startMs: number,
  fineUntilMs = Number.NEGATIVE_INFINITY,
  onGrid = false,
): Frontier {
  return { startMs, growth: frontierGrowthFor(budget), fineUntilMs, onGrid };
}

/**
 * Idle values worth testing now, or null when the search has nothing left to test (it survived
 * --max). Pending probes (`pendingIdles`) count as answers for planning: the frontier moves past
 * them, and they split a gap just as a result would.
 */
export function frontierTargets(
  frontier: Frontier,
  limits: SearchLimits,
  bracket: Bracket,
  pendingIdles: readonly number[],
): Target[] | null {
  const { loMs, hiMs } = bracket;
  const { minMs, maxMs } = limits;

  if (hiMs === null) {
    const highest = Math.max(loMs ?? 0, ...pendingIdles);
    if (highest >= maxMs) return loMs !== null && loMs >= maxMs ? null : [];
    const start = Math.max(minMs, frontier.startMs);
    const fine = highest < frontier.fineUntilMs;
    // A rung a little finer than the resolution: the first eviction on it is already narrow enough.
    const nextMs = fine
      ? highest + FINE_RUNG_FRACTION * limits.resolutionMs(highest)
      : frontier.onGrid
        ? rungAbove(highest, frontier.growth)
        : highest * frontier.growth;
    const atMs = highest < start ? start : Math.min(maxMs, nextMs);
    return [{ atMs, untilMs: Number.POSITIVE_INFINITY }];
  }

  const targets: Target[] = [];
  const inside = pendingIdles.filter((p) => (loMs === null || p > loMs) && p < hiMs);
  if (loMs === null && !inside.some((p) => p <= minMs * frontier.growth)) {
    // Nothing survived yet: the shortest idle of interest must be tested itself.
    targets.push({ atMs: minMs, untilMs: Math.min(hiMs, minMs * frontier.growth) });
  }
  const resolution = limits.resolutionMs(loMs ?? minMs);
  const points = [loMs ?? minMs, ...inside, hiMs].sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i] as number;
    const b = points[i + 1] as number;
    if (b - a <= resolution) continue;
    const parts = Math.min(MAX_SPLIT, Math.ceil((b - a) / resolution));
    const step = (b - a) / parts;
    for (let k = 1; k < parts; k++) targets.push({ atMs: a + k * step, untilMs: a + (k + 1) * step });
  }
  return targets;
}
