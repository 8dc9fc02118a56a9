/**
 * What a periodic sweep's batches prove about its zone [T, T + G].
 *
 * Under a sweep the boundary (the shortest idle evicted at an instant) is a sawtooth: right after
 * the collector runs it is T, then it rises exactly as fast as time passes, up to T + G when the
 * collector runs again. A batch of tests made at one instant t sees the boundary there, between
 * its floor and ceiling (`boundaryAtInstant`). Two batches prove that the collector ran between
 * them when the later one's ceiling is below where the earlier floor would have risen to:
 *
 *   idle                     ╱│          ╱
 *    T+G ·················  ╱ │         ╱          batch j at t_j: floor f_j
 *                          ╱  │        ╱           batch m at t_m: ceiling c_m ≤ f_j + (t_m - t_j)
 *      T ················ ╱    │      ╱             → a sweep ran in (t_j, t_m]
 *                       t_j   t_m
 *
 * After such a sweep, any batch k at or after t_m has been rising for at most t_k - t_j, so
 * T > f_k - (t_k - t_j). Before it, any batch k at or before t_j rises to at most
 * c_k + (t_m - t_k) before the collector runs, so T + G ≤ c_k + (t_m - t_k). Both hold for every
 * phase and period, so the tightest of them bound the zone without having to catch the boundary
 * at its extremes, which a batch short of clocks may miss.
 */

/** The boundary one batch saw at its instant; null where it did not see that side. */
export interface InstantBoundary {
  atMs: number;
  floorMs: number | null;
  ceilingMs: number | null;
}

export interface SawtoothBounds {
  /** T is above this (null: no sweep proven with a floor after it). */
  timeoutAboveMs: number | null;
  /** T + G is at most this (null: no sweep proven with a ceiling before it). */
  zoneTopAtMostMs: number | null;
}

/** Whether the collector provably ran between an earlier and a later batch. */
function sweptBetween(before: InstantBoundary, after: InstantBoundary): boolean {
  return (
    before.floorMs !== null &&
    after.ceilingMs !== null &&
    after.ceilingMs <= before.floorMs + (after.atMs - before.atMs)
  );
}

/** When the batches first proved that the collector ran (the later batch's instant); null: not yet. */
export function firstSweepCaughtAtMs(batches: readonly InstantBoundary[]): number | null {
  const byTime = [...batches].sort((a, b) => a.atMs - b.atMs);
  for (let m = 1; m < byTime.length; m++) {
    for (let j = 0; j < m; j++)
      if (sweptBetween(byTime[j] as InstantBoundary, byTime[m] as InstantBoundary))
        return (byTime[m] as InstantBoundary).atMs;
  }
  return null;
}

export function sawtoothBounds(batches: readonly InstantBoundary[]): SawtoothBounds {
  const byTime = [...batches].sort((a, b) => a.atMs - b.atMs);
  let timeoutAboveMs: number | null = null;
  let zoneTopAtMostMs: number | null = null;
  for (let j = 0; j < byTime.length; j++) {
    const before = byTime[j] as InstantBoundary;
    if (before.floorMs === null) continue;
    for (let m = j + 1; m < byTime.length; m++) {
      const after = byTime[m] as InstantBoundary;
      if (!sweptBetween(before, after)) continue;
      for (let k = m; k < byTime.length; k++) {
        const later = byTime[k] as InstantBoundary;
        if (later.floorMs === null) continue;
        const bound = later.floorMs - (later.atMs - before.atMs);
        if (timeoutAboveMs === null || bound > timeoutAboveMs) timeoutAboveMs = bound;
      }
      for (let k = 0; k <= j; k++) {
        const earlier = byTime[k] as InstantBoundary;
        if (earlier.ceilingMs === null) continue;
        const bound = earlier.ceilingMs + (after.atMs - earlier.atMs);
        if (zoneTopAtMostMs === null || bound < zoneTopAtMostMs) zoneTopAtMostMs = bound;
      }
      // A later m for the same j only proves a sweep somewhere in a longer interval: weaker bounds.
      break;
    }
  }
  return { timeoutAboveMs, zoneTopAtMostMs };
}
