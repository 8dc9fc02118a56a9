/**
 * How the first pass's pool opens when --min is longer than a second: in waves, so that its clocks
 * start at different moments, as a frontier from 1 s would have staggered them by recycling.
 * Pure: a function of the budget, --min and the start.
 */
import type { OpeningWave } from './clock-pool.js';

/** Waves the first pass's pool opens in, before the frontier reaches --min. */
const STAGGER_WAVES = 32;

/** Below this --min the pool opens at once, as it always did. */
const STAGGER_FROM_MS = 1000;

/**
 * The share of the pool opened at the start: the frontier climbs on clocks as old as the run, one
 * a rung, and the waves' younger clocks would make it lag (T = 37 s over 10..300 s first failed
 * 1.4 s after its rung with every clock in the waves; T = 90 s over 30..270 s 1.3 s).
 */
const OPEN_AT_START = 0.25;

/** Whether a first pass from `minMs` opens in waves. */
export function staggers(minMs: number): boolean {
  return minMs > STAGGER_FROM_MS;
}

/**
 * Opened all at once, every clock not yet used by the frontier has the same idle when the first
 * eviction comes, older than the bracket, and the comb waits for recycled clocks to age into it:
 * with --min 10, T = 37 s took 53 s against 46 s from --min 1. A quarter of the pool opens at the
 * start, for the frontier; the rest in waves at times spread geometrically from 1 s to --min, as
 * the frontier's rungs would have come (bench range table, with the rungs on one grid whatever
 * --min is (frontier.ts): T = 37 s over 10..300 s 42.21 s against 42.17 s over 1..7440 s, T = 90 s
 * over 30..270 s 95.74 s against 95.74 s, T = 350 s over 120..1050 s 368.79 s against 368.75 s).
 * No waves where --min is short.
 */
export function staggeredOpening(budget: number, minMs: number, nowMs: number): OpeningWave[] {
  if (!staggers(minMs)) return [];
  const atStart = OPEN_AT_START * budget;
  return Array.from({ length: STAGGER_WAVES }, (_, i) => ({
    atMs: i === 0 ? nowMs : nowMs + STAGGER_FROM_MS * (minMs / STAGGER_FROM_MS) ** (i / STAGGER_WAVES),
    upTo: Math.ceil(atStart + ((i + 1) * (budget - atStart)) / STAGGER_WAVES),
  }));
}
