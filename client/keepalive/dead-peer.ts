/**
 * How long a vanished peer (host gone, cable cut, path dropping everything) takes to be noticed,
 * for a keepalive plan. Pure arithmetic on the kernel's rules (Linux, tcp(7) and tcp_timer.c):
 *
 *   idle, nothing in flight (keepalive):
 *     last data ── idle ──► probe 1 ─ intvl ─► probe 2 ... probe count ─ intvl ─► error
 *     = idle + interval x count
 *   data sent, unacknowledged (retransmissions):
 *     until TCP_USER_TIMEOUT, or tcp_retries2 (about 924.6 s) without one
 *
 * With TCP_USER_TIMEOUT set, it also decides the idle case (tcp(7): it "overrides keepalive"): the
 * keepalive timer fires at idle, idle + interval, idle + 2 x interval, ... and gives up at the first
 * firing, after at least one probe, at which the time since the last segment received is >= it.
 * Accuracy: the kernel's timers, a few ms; the retransmission default grows with the path's RTT.
 */
import { validateKeepalivePlan, type KeepalivePlan } from './keepalive-plan.js';

/** Linux's defaults (net.ipv4.tcp_keepalive_time / _intvl / _probes), also most other systems'. */
export const SYSTEM_DEFAULT_KEEPALIVE: Readonly<KeepalivePlan> = { idleS: 7200, intervalS: 75, count: 9 };

/** tcp(7): tcp_retries2 = 15 "yields a hypothetical timeout of 924.6 seconds" (RTO doubling from 200 ms). */
export const DEFAULT_RETRANSMIT_TIMEOUT_S = 924.6;

export interface DeadPeerDetection {
  /** Idle connection with keepalive on: from the last segment received to the socket's error, seconds. */
  whileIdleS: number;
  whileIdleBy: 'keepalive-count' | 'user-timeout';
  /** Data sent and never acknowledged: from the send to the socket's error, seconds (an upper bound). */
  whileUnackedS: number;
  /** `retransmit-default`: no user timeout, tcp_retries2 decides (about 924.6 s, more on a slow path). */
  whileUnackedBy: 'user-timeout' | 'retransmit-default';
}

/** Time to detect a vanished peer with `plan` (validated; throws KeepalivePlanError). */
export function deadPeerDetection(plan: KeepalivePlan): DeadPeerDetection {
  validateKeepalivePlan(plan);
  const userTimeoutS = (plan.userTimeoutMs ?? 0) / 1000;
  const unacked =
    userTimeoutS > 0
      ? { whileUnackedS: userTimeoutS, whileUnackedBy: 'user-timeout' as const }
      : { whileUnackedS: DEFAULT_RETRANSMIT_TIMEOUT_S, whileUnackedBy: 'retransmit-default' as const };
  if (userTimeoutS === 0) {
    return { whileIdleS: idleDetectionS(plan), whileIdleBy: 'keepalive-count', ...unacked };
  }
  // The first keepalive firing k >= 1 (probe 1 is sent at k = 0) at which idle + k x interval >= the
  // user timeout; Math.max keeps k >= 1 when the user timeout is shorter than the idle.
  const firings = Math.max(1, Math.ceil((userTimeoutS - plan.idleS) / plan.intervalS));
  return { whileIdleS: plan.idleS + plan.intervalS * firings, whileIdleBy: 'user-timeout', ...unacked };
}

/** idle + interval x count: what keepalive alone takes to give up on an idle connection, seconds. */
export function idleDetectionS(plan: KeepalivePlan): number {
  return plan.idleS + plan.intervalS * plan.count;
}

/**
 * The TCP_USER_TIMEOUT that agrees with a keepalive plan: its idle-detection time, in ms.
 *
 * Why this value: with keepalive on, the user timeout replaces the probe count in deciding when an
 * idle connection is dead. Equal to idle + interval x count, both rules give up at the same firing,
 * so the plan's count still holds: a shorter one makes fewer probes count (at or below idle +
 * interval, a single lost probe is fatal, which a lossy path will hit), a longer one sends more
 * probes than planned. And a peer that vanishes while data is in flight is then noticed after the
 * same time as an idle one, instead of after the retransmission default (about 924.6 s). For a
 * plan whose idle detection exceeds that default, this lengthens the in-flight case: a trade-off
 * the caller can see by comparing with DEFAULT_RETRANSMIT_TIMEOUT_S.
 */
export function recommendedUserTimeoutMs(plan: KeepalivePlan): number {
  validateKeepalivePlan(plan);
  return idleDetectionS(plan) * 1000;
}
