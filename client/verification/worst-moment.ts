/**
 * When to test a refreshed connection so that its answer proves the setting: at the worst moment of
 * its cycle, just before the next refresh would go out, when the mapping has been idle longest.
 * Pure: a function of the cycle, the last refresh and the time.
 *
 *   refresh           refresh                      refresh
 *      │◄──────── period ────────►│◄──── period ────►│
 *      ·  test here proves little ·       test here ▲ (period - margin after the last refresh)
 *
 * A test just after a refresh proves nothing on a loose NAT: a late keepalive re-creates a mapping
 * that had already expired, and the push that follows it gets through. A test just before the next
 * one meets the mapping after the longest idle this setting ever leaves it.
 *
 * Accuracy: a keepalive goes out when the kernel's timer finds the connection idle for its period
 * since the last packet received (Linux: tcp_keepalive_timer, jiffy granularity); the adapter reads
 * that last packet from TCP_INFO where it can, else predicts it from the configured period, which
 * drifts by about an RTT per cycle. The margin covers the timer's slack and that drift.
 */

/** The test goes out this long before the refresh is due: at least 250 ms, or 2% of the period. */
export const MARGIN_MIN_MS = 250;
export const MARGIN_SHARE = 0.02;

/** Extra margin per cycle since the last known refresh, for a prediction (about an RTT and a jiffy). */
export const DRIFT_PER_CYCLE_MS = 20;

export function worstMomentMarginMs(periodMs: number, cyclesPredicted = 0): number {
  return Math.max(MARGIN_MIN_MS, MARGIN_SHARE * periodMs) + DRIFT_PER_CYCLE_MS * cyclesPredicted;
}

/**
 * The next worst moment at or after `nowMs` for a connection refreshed every `periodMs`, last
 * refreshed (a packet received) at `lastRefreshMs`. Refreshes after that one are predicted, each
 * widening the margin. Null when the period is too short to leave any idle worth testing.
 */
export function nextWorstMomentMs(periodMs: number, lastRefreshMs: number, nowMs: number): number | null {
  for (let cycle = 0; ; cycle++) {
    const marginMs = worstMomentMarginMs(periodMs, cycle);
    if (marginMs >= periodMs) return null;
    const atMs = lastRefreshMs + (cycle + 1) * periodMs - marginMs;
    if (atMs >= nowMs) return atMs;
  }
}

export interface RefreshedConnection<Id> {
  id: Id;
  periodMs: number;
  lastRefreshMs: number;
  /** No test before this (a connection must be held past the timeout to prove anything). */
  notBeforeMs?: number;
}

/**
 * The connections to test and when, soonest first: each at its own next worst moment. The first
 * one tests the direction that matters most (the one that dies first), the next one the other.
 */
export function worstMomentSchedule<Id>(
  connections: readonly RefreshedConnection<Id>[],
  nowMs: number,
): { id: Id; atMs: number }[] {
  const schedule: { id: Id; atMs: number }[] = [];
  for (const c of connections) {
    const atMs = nextWorstMomentMs(c.periodMs, c.lastRefreshMs, Math.max(nowMs, c.notBeforeMs ?? nowMs));
    if (atMs !== null) schedule.push({ id: c.id, atMs });
  }
  return schedule.sort((a, b) => a.atMs - b.atMs);
}
