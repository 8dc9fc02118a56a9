/**
 * When a run's answer is settled: the recommendation no longer depends on anything still running.
 * Pure: a function of each direction's progress.
 *
 * The keepalive is set by the direction that dies first. Once that one is bracketed and verified
 * (its search finished with an eviction) and every other direction has survived past its bracket,
 * nothing the others could still find would change the recommendation: they can only die later.
 * On the most common Linux NAT (loose pickup) the outbound direction never dies and would be
 * followed to --max, 2 h by default, for an answer settled when the inbound bracket was.
 *
 *   inbound   ●───────────── (22.9, 23.8] ✓ finished
 *   outbound  ●──────────────────── survived 24.5 s ──► settled: stop here, "searched to 24.5 s"
 */
import type { Direction, SearchProgress } from './types.js';

/** The direction that settles the run, or null while the answer still depends on a running search. */
export function settledBy(directions: readonly SearchProgress[]): Direction | null {
  // A table suspected full is shared: each direction's answer waits for its re-check (shared-table.ts).
  if (directions.some((d) => d.recheck === true)) return null;
  const dying = directions
    .filter((d) => d.finished && d.evictedMs !== null)
    .sort((a, b) => (a.evictedMs as number) - (b.evictedMs as number))[0];
  if (dying === undefined) return null;
  const running = directions.filter((d) => !d.finished);
  if (running.length === 0) return null;
  const boundMs = dying.evictedMs as number;
  // A running direction that saw an eviction below the bound would die first itself.
  const pastBound = (d: SearchProgress): boolean =>
    d.survivedMs !== null && d.survivedMs >= boundMs && (d.evictedMs === null || d.evictedMs >= boundMs);
  return running.every(pastBound) ? dying.direction : null;
}

/** The longest survival in the direction that survives least (null while one has none). */
export function leastSurvivedMs(progress: readonly SearchProgress[]): number | null {
  let least: number | null = null;
  for (const { survivedMs } of progress) {
    if (survivedMs === null) return null;
    least = least === null ? survivedMs : Math.min(least, survivedMs);
  }
  return least;
}
