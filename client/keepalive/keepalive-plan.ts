/**
 * What a keepalive recommendation is made of, and the checks that keep it settable as written.
 *
 * Linux takes TCP_KEEPIDLE and TCP_KEEPINTVL in whole seconds (1..32767) and TCP_KEEPCNT as a count
 * (1..127), see tcp(7); TCP_USER_TIMEOUT is in milliseconds. Node and net-keepalive take
 * milliseconds and round down to whole seconds without a word, and a value below 1 s either keeps
 * the system default (Node's setKeepAlive) or throws EINVAL (net-keepalive): so a plan that is not
 * whole seconds within those ranges is refused here rather than changed on the way to the kernel.
 */
import { KeepalivePlanError } from './keepalive-errors.js';

/** A TCP keepalive setting, in the units the kernel takes. */
export interface KeepalivePlan {
  /** Idle time before the first keepalive probe (TCP_KEEPIDLE), seconds. */
  idleS: number;
  /** Time between unanswered probes (TCP_KEEPINTVL), seconds. */
  intervalS: number;
  /** Unanswered probes before the connection is dropped (TCP_KEEPCNT). */
  count: number;
  /** How long sent data may stay unacknowledged before the connection is dropped (TCP_USER_TIMEOUT), ms. */
  userTimeoutMs?: number;
}

/** An application-level heartbeat: one message each way every `heartbeatS`. */
export interface HeartbeatPlan {
  heartbeatS: number;
}

/** Linux's limits (include/net/tcp.h MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT). */
export const MAX_KEEPIDLE_S = 32767;
export const MAX_KEEPINTVL_S = 32767;
export const MAX_KEEPCNT = 127;
/** TCP_USER_TIMEOUT is an unsigned int of ms; the kernel refuses values above INT_MAX. */
export const MAX_USER_TIMEOUT_MS = 2_147_483_647;
/** MQTT's keep alive is a 16-bit count of seconds, the narrowest heartbeat field among the targets. */
export const MAX_HEARTBEAT_S = 65535;

/** Throws KeepalivePlanError unless every field can be set exactly as written. Returns the plan. */
export function validateKeepalivePlan(plan: KeepalivePlan): KeepalivePlan {
  wholeInRange('idleS', plan.idleS, 1, MAX_KEEPIDLE_S, 'seconds');
  wholeInRange('intervalS', plan.intervalS, 1, MAX_KEEPINTVL_S, 'seconds');
  wholeInRange('count', plan.count, 1, MAX_KEEPCNT, 'probes');
  // 0 is meaningful: it tells the kernel to use its default (tcp_retries2), per tcp(7).
  if (plan.userTimeoutMs !== undefined) {
    wholeInRange('userTimeoutMs', plan.userTimeoutMs, 0, MAX_USER_TIMEOUT_MS, 'milliseconds');
  }
  return plan;
}

/** Throws KeepalivePlanError unless the heartbeat is a whole number of seconds every target accepts. */
export function validateHeartbeatPlan(plan: HeartbeatPlan): HeartbeatPlan {
  wholeInRange('heartbeatS', plan.heartbeatS, 1, MAX_HEARTBEAT_S, 'seconds');
  return plan;
}

function wholeInRange(field: string, value: number, min: number, max: number, unit: string): void {
  if (!Number.isInteger(value)) {
    throw new KeepalivePlanError(
      field,
      value,
      `must be a whole number of ${unit} (it would be rounded down)`,
    );
  }
  if (value < min || value > max) {
    throw new KeepalivePlanError(field, value, `must be between ${min} and ${max} ${unit}`);
  }
}
