/**
 * The verification ladder: which refresh settings to hold on connections of their own while the
 * search runs, and when to open and retire them. Pure: a function of the range and the time.
 *
 * A setting is proven on a path only by a connection that used it for longer than the timeout and
 * then answered a test taken at the worst moment of its refresh cycle. The timeout is not known
 * until the search ends, so the ladder holds rungs of settings spread over the range, each opened
 * early enough to be older than T when the search ends, whatever T turns out to be:
 *
 *   rung k (keepalive idle k s, or heartbeat every k s) is wanted when the recommendation lands on
 *   it, about when T = k / RECOMMENDED_SHARE. The search ends near END_FACTOR x T, so a rung opened
 *   by OPEN_SHARE x k is older than T then. A rung far below what already survived can no longer be
 *   the recommendation and is retired.
 *
 *   time ──►  0 ···· 0.15·k (open rung k) ··············· T ≈ k / 0.7 ···· 1.15·T (search ends)
 *   rung k    ········●══════════════ held with keepalive idle k ══════════════════▶ test ✓
 *
 * The connections of one rung refresh at staggered phases (see `phaseOffsetsMs`), so that one of
 * them reaches the worst moment of its cycle soon after the search ends (see worst-moment.ts).
 */

/** Ratio between successive rungs: the rung above a recommendation is at most this much longer. */
export const RUNG_RATIO = 1.2;

/**
 * The recommendation's keepalive idle as a share of T (keepaliveFor: 0.8 x survived minus one
 * interval, 0.7 x T or a little less); a rung is wanted when T is about k / this.
 */
export const RECOMMENDED_SHARE = 0.7;

/**
 * The search ends by about this multiple of T (BENCH.md: 1.04-1.15 T from 30 s up); it ends later
 * on noisy paths, which only leaves the rungs older.
 */
export const SEARCH_END_FACTOR = 1.15;

/**
 * A rung opens at this share of its own idle. Wanted when T is about k / 0.7, it is then held for
 * 1.15 T - 0.1 k, about 1.08 T, when the search ends. It must not open much later: a rung opened
 * after the search started is older than T only by what the search ran past T.
 */
export const OPEN_SHARE = 0.1;

/**
 * A rung is retired once an idle this many times longer has survived: it is below any
 * recommendation. Not 2: for a short survival S the recommended values fall to about S / 3 (a
 * survival of 3 s gives a keepalive idle and a heartbeat of 1 s, keepaliveFor), and a heartbeat of
 * S / 2 exactly would sit on the boundary.
 */
export const RETIRE_FACTOR = 4;

/**
 * Connections per rung, at evenly staggered phases of the rung's cycle: the soonest worst moment after
 * the search ends is then at most a period / phases away. Six keepalive phases: at T = 37 s on the
 * lab's strict NAT, four left the default run at 53.3 s against the 56.25 s of 1.25 T + 10 s. The
 * heartbeat, waited for only where keepalive cannot help, gets two.
 */
export const KEEPALIVE_PHASES = 6;
export const HEARTBEAT_PHASES = 2;

/** Whole seconds: the kernel takes TCP_KEEPIDLE in seconds, and nothing below 1 s. */
export const MIN_RUNG_S = 1;

/** The rungs for a search over [minS, maxS]: distinct whole seconds, RUNG_RATIO apart, from 1 s up. */
export function ladderRungsS(minS: number, maxS: number): number[] {
  // A recommendation can land far below --min (it is planned from 0.7 T), so the ladder starts at
  // a share of it; it never needs to reach above --max.
  const lowest = Math.max(MIN_RUNG_S, Math.floor(RECOMMENDED_SHARE * minS));
  const rungs: number[] = [];
  for (let k = lowest; k <= maxS; k = Math.max(k + 1, Math.round(k * RUNG_RATIO))) rungs.push(k);
  return rungs;
}

/** When rung `rungS` opens, ms after the run started. */
export function rungOpensAtMs(rungS: number): number {
  return OPEN_SHARE * rungS * 1000;
}

/**
 * Whether rung `rungS` is still wanted, given the longest idle seen to survive so far (in any
 * direction that is being searched: the recommendation follows the one that dies first, which can
 * only be lower, so the lowest direction's survival is the one to pass).
 */
export function rungWanted(rungS: number, survivedMs: number | null): boolean {
  return survivedMs === null || rungS * 1000 * RETIRE_FACTOR > survivedMs;
}

/**
 * The rungs to hold at `elapsedMs`: opened by now and not yet retired. Rungs above what could still
 * be recommended are opened anyway: T is not known until the search ends.
 */
export function rungsToHold(
  rungsS: readonly number[],
  elapsedMs: number,
  survivedMs: number | null,
): number[] {
  return rungsS.filter((k) => rungOpensAtMs(k) <= elapsedMs && rungWanted(k, survivedMs));
}

/**
 * When each connection of a keepalive rung refreshes once by itself (one echo), ms after it opened:
 * the kernel's keepalive timer counts from the last packet received, so the echo moves that
 * connection's cycle to this phase. Phase 0 is the open itself.
 */
export function phaseOffsetsMs(rungS: number, phases: number): number[] {
  return Array.from({ length: phases }, (_, j) => (j * rungS * 1000) / phases);
}

/**
 * The rung a recommendation is proven by: the shortest at or above it (a longer idle proves a shorter one).
 */
export function rungFor(rungsS: readonly number[], recommendedS: number): number | null {
  return rungsS.find((k) => k >= recommendedS) ?? null;
}
