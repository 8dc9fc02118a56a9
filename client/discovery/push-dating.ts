/**
 * When an inbound test's push most likely crossed a middlebox near the client: the moment a
 * survival is dated at.
 *
 * The push leaves the reflector when the control command arrives there, and is expected at the
 * client one smoothed control RTT after the command (ProbeSlots.test). Its arrival is the exact
 * crossing time, and better than that noisy estimate, unless TCP sent the push again:
 *
 *   command ─── expected ───────────── arrival (RTO later: 200 ms at least on Linux)
 *               push lost past the NAT   resent copy
 *               (mapping refreshed here)
 *
 * Dated at its arrival, such a push reads its survived idle long by the whole retransmission
 * timeout, and can place it above T (measured on the lab's lossy NAT: up to 156 ms above). A push
 * that comes far later than expected is therefore dated at the expected time, the earliest it
 * could plausibly have crossed. When the first copy was lost before the middlebox instead, or the
 * command itself was slow, that date is early and understates the idle: the safe direction, which
 * only widens the bracket.
 *
 * Accuracy: a push on time is dated exactly (ms, the client's event loop); a resent one is dated
 * with the control RTT estimate's error (tens of ms under load) instead of a whole RTO late.
 */

/**
 * A push later than expected by more than this was sent again. Linux resends after srtt + 200 ms
 * at least, but the expected time leans on the control channel's smoothed RTT, which a lossy path
 * inflates (one retransmitted heartbeat lifts it by 25 ms): on the lab's lossy NAT, resent pushes
 * came 151 to 415 ms late, on-time ones within 35 ms either way. The margin sits well below the
 * midpoint because the two mistakes are not alike: a resent push taken for on time is dated an
 * RTO late, perhaps above T (the dangerous direction), an on-time push taken for resent is dated
 * early by its lateness (the safe one). For the same reason it does not grow with the RTT's
 * jitter: that would let more resent pushes through to spare jittery on-time ones, and a slow
 * path makes a resend later anyway (the RTO grows with srtt).
 */
export const RETRANSMITTED_PUSH_LATENESS_MS = 100;

/**
 * When to date an inbound survival: the push's arrival, unless it came more than
 * RETRANSMITTED_PUSH_LATENESS_MS after `expectedAtMs` (its command's time plus the control RTT),
 * then `expectedAtMs`.
 */
export function pushCrossedAtMs(expectedAtMs: number, arrivedAtMs: number): number {
  return arrivedAtMs - expectedAtMs > RETRANSMITTED_PUSH_LATENESS_MS ? expectedAtMs : arrivedAtMs;
}
