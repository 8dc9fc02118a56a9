/**
 * How long a test's answer is awaited before the test is declared a silent drop: the grace. The
 * user's --grace always wins; without it the grace is sized from the control channel's measured
 * RTT, with DEFAULT_GRACE_S as the ceiling (and the value while no RTT is measured yet).
 *
 * Why it must cover a retransmission: a test byte (or its answer) lost on the way is resent by TCP
 * after the retransmission timeout, and the connection is alive all along; a grace that ends before
 * the resent byte arrives reports an eviction that did not happen. On Linux the RTO is the smoothed
 * RTT plus four times its variation, the variation never below tcp_rto_min (200 ms); from a single
 * sample it is RTT + max(2 RTT, 200 ms). A connection with no valid sample (its SYN was resent)
 * keeps the initial RTO, 1 s (RFC 6298 2.1; Linux may fall back to 3 s then, and such a test is
 * the rare case the evidence sets aside as loss when a longer idle survives).
 *
 *   test ─► lost ─── RTO ───► resent ─── RTT ───► answer        (one retransmission)
 *          ◄────────────────── grace + 2 RTT (probe-slots.ts) ──────────────────►
 *
 * So the sized grace covers two retransmissions at the RTO a single sample gives (the second one
 * backed off to twice the first: 3 RTO in all), and never less than the initial RTO, so that one
 * retransmission is covered even on a connection that never got a sample. At a 40 ms RTT that is
 * 1 s instead of 1.5 s; from a 167 ms RTT up it is the default.
 */

/** Linux's least retransmission timeout variation (tcp_rto_min). */
export const LINUX_MIN_RTO_MS = 200;

/** The retransmission timeout before any RTT sample (RFC 6298 2.1, Linux TCP_TIMEOUT_INIT). */
export const INITIAL_RTO_MS = 1000;

/** The retransmission timeout Linux derives from one RTT sample. */
export function rtoFromRttMs(rttMs: number): number {
  return rttMs + Math.max(2 * rttMs, LINUX_MIN_RTO_MS);
}

/**
 * The grace for a test now: `userGraceMs` when the user gave --grace; else sized from `rttMs`
 * (0: not measured yet) and never above `ceilingMs`.
 */
export function graceForMs(userGraceMs: number | null, rttMs: number, ceilingMs: number): number {
  if (userGraceMs !== null) return userGraceMs;
  if (!(rttMs > 0)) return ceilingMs;
  return Math.min(ceilingMs, Math.max(INITIAL_RTO_MS, 3 * rtoFromRttMs(rttMs)));
}
