/**
 * A full table is the run's, not a direction's. The directions searched together hold their
 * connections in one middlebox, so a re-check with few connections proves nothing while another
 * direction still holds many: its connections keep the table full, and the re-check's own,
 * idle the longest, are the first victims. A table of 16 with both directions searched: the
 * inbound re-check with 4 ran beside the outbound's with 16, and found 28.4 s for T = 350 s
 * (in 12 of 24 runs over RTTs of 30 to 60 ms and T of 330 to 370 s, before this rule).
 *
 * So every direction that re-checks ends at the smallest re-check any direction needed: one still
 * searching with more connections re-checks with that many too, and one that finished a re-check
 * with more is reopened (two re-checks of 16 on a table of 16: one saw the table still full and
 * went on to 4, the other ended on 22.3 s). No direction is settled meanwhile (settle.ts).
 *
 * Pure: a function of each direction's pass; the drivers carry it out (shareRecheck()).
 *
 *   inbound    128 ─────► re-check 16 ──────────► re-check 4 ──► T
 *   outbound   128 ──────────► 16 (shared) ──────► 4 (shared) ──► T
 */
import type { PassBudget } from './types.js';

/** The smallest re-check any direction has needed, or null while none re-checks. */
export function sharedRecheckBudget(passes: readonly (PassBudget | null)[]): number | null {
  let least: number | null = null;
  for (const pass of passes)
    if (pass !== null && pass.recheck) least = least === null ? pass.budget : Math.min(least, pass.budget);
  return least;
}

/**
 * The searches that must re-check with `budget` now: every one still running with more
 * connections, and every one that finished a re-check with more (it ran beside the others' larger
 * passes, so its answer is as suspect as theirs: it is reopened). A search whose first pass
 * finished without a re-check saw no full table of its own, and keeps its answer. `passes` holds
 * null for a search that never re-checks (a baseline).
 */
export function mustShareRecheck(
  passes: readonly (PassBudget | null)[],
): { index: number; budget: number }[] {
  const budget = sharedRecheckBudget(passes);
  if (budget === null) return [];
  const due: { index: number; budget: number }[] = [];
  passes.forEach((pass, index) => {
    if (pass === null || pass.budget <= budget) return;
    if (!pass.finished || pass.recheck) due.push({ index, budget });
  });
  return due;
}
