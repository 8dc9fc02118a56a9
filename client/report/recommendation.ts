/**
 * From measured idle timeouts to keepalive and heartbeat settings. Pure: no clock, no I/O.
 *
 * Everything is derived from one number, `survived`: the longest idle seen to survive in the
 * direction that dies first. The true timeout T lies in (survived, evicted]; planning from the
 * lower end of the bracket keeps every rule safe whatever T is inside it.
 *
 *   0 ─────────── idle ───────────┬──────── interval ─┬──────────── 0.8·S ───── S ── T
 *   last byte                     keepalive probe 1   probe 2 (if 1 was lost)          evicted
 */
import { DIRECTIONS, type Direction, type DirectionResult, type EvictionKind } from '../search/types.js';
import {
  SYSTEM_DEFAULT_KEEPALIVE,
  deadPeerDetection,
  recommendedUserTimeoutMs,
  type DeadPeerDetection,
} from '../keepalive/dead-peer.js';
import type { KeepalivePlan } from '../keepalive/keepalive-plan.js';
import { roundSeconds } from './format.js';

export type RecommendationBasis =
  /** A timeout was measured: values come from the longest idle seen to survive. */
  | 'timeout'
  /** Nothing was evicted up to the longest idle tested: values come from that idle. */
  | 'no-eviction-up-to-max'
  /** Even the shortest idle tested was evicted: values are the smallest possible. */
  | 'nothing-survived'
  /** The run was stopped before anything was evicted: nothing is known about a timeout yet. */
  | 'interrupted'
  /** No direction produced a measurement (the run ended before any probe answered). */
  | 'no-data';

export interface Recommendation {
  /**
   * TCP_KEEPIDLE, s: idle before the first keepalive probe. Null where no timeout was found for a
   * keepalive to beat (nothing evicted, interrupted, nothing measured): then only `deadPeer` applies.
   */
  keepaliveIdleS: number | null;
  /** TCP_KEEPINTVL, s: between unanswered probes (null as above). */
  keepaliveIntervalS: number | null;
  /** TCP_KEEPCNT: unanswered probes before the connection is declared dead (null as above). */
  keepaliveCount: number | null;
  /** Application heartbeat period, s (what works through a terminating proxy; null as above). */
  heartbeatS: number | null;
  basis: RecommendationBasis;
  /** false when TCP keepalive cannot keep the path open (terminating proxy, or a timeout < 1 s). */
  tcpKeepaliveHelps: boolean;
  /** The direction the values were derived from (the one that dies first); null with no data. */
  limitingDirection: Direction | null;
  /** The idle the values were derived from, s (null with no data). */
  basedOnS: number | null;
  /** How soon a vanished peer is noticed, with the keepalive above or, without one, a per-socket one. */
  deadPeer: DeadPeerAdvice;
  /** Plain-language reasons for each value, in the order a reader needs them. */
  reasons: string[];
}

/** Dead-peer detection: the plan it assumes, with the TCP_USER_TIMEOUT that agrees with it. */
export interface DeadPeerAdvice {
  /** The recommended keepalive, or (nothing to beat) a per-socket one for dead-peer detection only. */
  plan: Required<KeepalivePlan>;
  detection: DeadPeerDetection;
  /** The same with the system defaults (7200 + 75 x 9 = 7875 s while idle). */
  systemDefault: DeadPeerDetection;
  /** True when the plan is only for dead-peer detection: the path itself needs no keepalive. */
  onlyForDeadPeers: boolean;
}

/**
 * Where no timeout was found, dead peers are still worth noticing sooner than the system's 7875 s:
 * a per-socket keepalive (never a system-wide one the path does not need) that notices one within
 * two minutes, 120 s, a common choice for servers.
 */
export const DEAD_PEER_ONLY_KEEPALIVE: Readonly<KeepalivePlan> = { idleS: 60, intervalS: 10, count: 6 };

/** Keepalive idle and interval are whole seconds and at least 1 (net-keepalive: EINVAL below 1 s). */
export const MIN_KEEPALIVE_S = 1;
/** Linux's default TCP_KEEPINTVL: no reason to wait longer between retries than the OS default. */
export const MAX_KEEPALIVE_INTERVAL_S = 75;
/**
 * Probes before giving up: one lost probe is survivable, a dead peer is noticed after idle + 3 × interval.
 */
export const KEEPALIVE_COUNT = 3;
/** RFC 8085 §3.1.1: keepalives no more often than every 15 s unless the path needs it. */
export const RFC8085_MIN_KEEPALIVE_S = 15;

/** Which direction dies first, and how its result is shaped. */
export interface LimitingDirection {
  direction: Direction;
  result: DirectionResult;
  basis: Exclude<RecommendationBasis, 'no-data' | 'interrupted'>;
}

function hasData(result: DirectionResult | undefined): result is DirectionResult {
  return result !== undefined && (result.survivedMs !== null || result.evictedMs !== null);
}

/** Directions present in `directions`, in the order they were recorded, then any others. */
function orderedDirections(directions: Partial<Record<Direction, DirectionResult>>): Direction[] {
  const recorded = Object.keys(directions).filter((key): key is Direction =>
    (DIRECTIONS as readonly string[]).includes(key),
  );
  return [...recorded, ...DIRECTIONS.filter((d) => !recorded.includes(d))];
}

/**
 * The direction that dies first: the lowest eviction bound. When nothing was evicted anywhere,
 * the direction with the shortest idle seen to survive (first recorded on a tie), since that is
 * the most that is known to be safe. Null when no direction has any measurement.
 */
export function limitingDirection(
  directions: Partial<Record<Direction, DirectionResult>>,
): LimitingDirection | null {
  let best: DirectionResult | null = null;
  for (const direction of orderedDirections(directions)) {
    const result = directions[direction];
    if (!hasData(result)) continue;
    if (best === null) {
      best = result;
    } else if (result.evictedMs !== null) {
      if (best.evictedMs === null || result.evictedMs < best.evictedMs) best = result;
    } else if (best.evictedMs === null && (result.survivedMs ?? 0) < (best.survivedMs ?? 0)) {
      best = result;
    }
  }
  if (best === null) return null;
  const basis =
    best.survivedMs === null
      ? 'nothing-survived'
      : best.evictedMs === null
        ? 'no-eviction-up-to-max'
        : 'timeout';
  return { direction: best.direction, result: best, basis };
}

/** A terminating proxy closes both legs, so a `close` eviction in any direction means one is there. */
function terminatingProxy(directions: Partial<Record<Direction, DirectionResult>>): boolean {
  return Object.values(directions).some((result) => result?.eviction === 'close');
}

/** The keepalive and heartbeat values for a path whose longest surviving idle is `survivedS`. */
export function keepaliveFor(survivedS: number): {
  keepaliveIdleS: number;
  keepaliveIntervalS: number;
  keepaliveCount: number;
  heartbeatS: number;
} {
  // A retry after a lost probe must itself come well inside the timeout: 10% of it, at least the
  // 1 s the kernel accepts, at most Linux's own default interval.
  const keepaliveIntervalS = Math.min(
    MAX_KEEPALIVE_INTERVAL_S,
    Math.max(MIN_KEEPALIVE_S, Math.floor(0.1 * survivedS)),
  );
  // idle + one retry ≤ 80% of the longest idle seen to survive: even when the first probe is lost,
  // the second one refreshes the mapping with 20% of margin for timer slop and a wider bracket.
  const keepaliveIdleS = Math.max(MIN_KEEPALIVE_S, Math.floor(0.8 * survivedS) - keepaliveIntervalS);
  // Two chances within the timeout (RFC 3581: refresh at half the discovered lifetime).
  const heartbeatS = Math.max(1, Math.floor(0.5 * survivedS));
  return { keepaliveIdleS, keepaliveIntervalS, keepaliveCount: KEEPALIVE_COUNT, heartbeatS };
}

function evictionWords(kind: EvictionKind | null): string {
  switch (kind) {
    case 'silent-drop':
      return 'silently dropped';
    case 'reset':
      return 'reset';
    case 'close':
      return 'closed with FIN';
    case null:
      return 'evicted';
    default: {
      const never: never = kind;
      return String(never);
    }
  }
}

/** A keepalive plan with the TCP_USER_TIMEOUT that agrees with it, and what it detects. */
function deadPeerAdvice(plan: KeepalivePlan, onlyForDeadPeers: boolean): DeadPeerAdvice {
  const full = { ...plan, userTimeoutMs: recommendedUserTimeoutMs(plan) };
  return {
    plan: full,
    detection: deadPeerDetection(full),
    systemDefault: deadPeerDetection(SYSTEM_DEFAULT_KEEPALIVE),
    onlyForDeadPeers,
  };
}

/** The dead-peer sentences: how soon a vanished peer is noticed, against the system defaults. */
function deadPeerReasons(advice: DeadPeerAdvice): string[] {
  const { plan, detection, systemDefault } = advice;
  const lead = advice.onlyForDeadPeers
    ? `To notice a vanished peer, enable keepalive on that socket only (idle ${plan.idleS} s, interval ` +
      `${plan.intervalS} s, ${plan.count} probes): `
    : 'With these values ';
  return [
    `${lead}an idle connection to a vanished peer fails after ` +
      `${roundSeconds(1000 * detection.whileIdleS)} (idle + ${plan.count} × interval), instead of ` +
      `${roundSeconds(1000 * systemDefault.whileIdleS)} with the system defaults (7200 + 75 × 9). Set ` +
      `TCP_USER_TIMEOUT to ${plan.userTimeoutMs} ms too: it bounds a connection whose data goes ` +
      `unacknowledged to the same ${roundSeconds(1000 * detection.whileUnackedS)}, instead of about ` +
      `${roundSeconds(1000 * systemDefault.whileUnackedS)} of retransmissions (Linux).`,
  ];
}

/** Options of `recommend`: how the run ended. */
export interface RecommendOptions {
  /** The run was stopped early (Ctrl-C, reflector lost): what was not evicted may still be. */
  aborted?: boolean;
}

/** Keepalive and heartbeat settings that beat the direction that dies first, with reasons. */
export function recommend(
  directions: Partial<Record<Direction, DirectionResult>>,
  options: RecommendOptions = {},
): Recommendation {
  const limiting = limitingDirection(directions);
  const proxy = terminatingProxy(directions);
  const reasons: string[] = [];
  const onlyDeadPeers = (basis: RecommendationBasis, basedOnS: number | null): Recommendation => {
    // Nothing to beat: a keepalive planned from --max (or from nothing) would be a guess, and a
    // system-wide one would change every socket on the host for no gain on this path.
    const survivedS = basedOnS ?? Number.POSITIVE_INFINITY;
    const plan =
      survivedS >= 2 * (DEAD_PEER_ONLY_KEEPALIVE.idleS + DEAD_PEER_ONLY_KEEPALIVE.intervalS)
        ? DEAD_PEER_ONLY_KEEPALIVE
        : keepalivePlanFor(survivedS);
    const deadPeer = deadPeerAdvice(plan, true);
    reasons.push(...deadPeerReasons(deadPeer));
    return {
      keepaliveIdleS: null,
      keepaliveIntervalS: null,
      keepaliveCount: null,
      heartbeatS: null,
      basis,
      tcpKeepaliveHelps: !proxy,
      limitingDirection: limiting?.direction ?? null,
      basedOnS,
      deadPeer,
      reasons,
    };
  };

  if (limiting === null) {
    reasons.push('Nothing was measured, so there is nothing to recommend for this path: run again.');
    return onlyDeadPeers('no-data', null);
  }

  const { direction, result, basis } = limiting;
  if (basis === 'no-eviction-up-to-max') {
    const survivedS = (result.survivedMs ?? 0) / 1000;
    if (options.aborted === true) {
      reasons.push(
        `The run was stopped after ${roundSeconds(1000 * survivedS)} of idle had survived and before ` +
          'anything was evicted: nothing is known about a timeout ' +
          'yet, so no keepalive is recommended. Run it to the end.',
      );
      return onlyDeadPeers('interrupted', survivedS);
    }
    reasons.push(
      `No eviction was seen up to ${roundSeconds(1000 * survivedS)} idle (the longest tested): this ` +
        'path needs no keepalive to stay open that long, and none is recommended for it.',
    );
    return onlyDeadPeers(basis, survivedS);
  }

  let tcpKeepaliveHelps = !proxy;
  let survivedS: number;

  switch (basis) {
    case 'timeout': {
      survivedS = (result.survivedMs ?? 0) / 1000;
      const evictedS = (result.evictedMs ?? 0) / 1000;
      reasons.push(
        `The ${direction} direction dies first: it survives ${roundSeconds(1000 * survivedS)} idle and ` +
          `is ${evictionWords(result.eviction)} at ${roundSeconds(1000 * evictedS)}. Every value below is ` +
          `planned from ${roundSeconds(1000 * survivedS)}, the longest idle known to be safe.`,
      );
      break;
    }
    case 'nothing-survived': {
      survivedS = MIN_KEEPALIVE_S;
      const evictedS = (result.evictedMs ?? 0) / 1000;
      reasons.push(
        `Nothing survived, even the shortest idle tested: the ${direction} direction was ` +
          `${evictionWords(result.eviction)} after ${roundSeconds(1000 * evictedS)}. The smallest possible ` +
          'values (1 s) are used; they may still not be enough: check the path (a firewall killing idle ' +
          'connections almost at once, or something broken).',
      );
      if (result.evictedMs !== null && result.evictedMs < MIN_KEEPALIVE_S * 1000) {
        tcpKeepaliveHelps = false;
        reasons.push(
          'TCP keepalive cannot beat a timeout under 1 s: the kernel takes whole seconds ' +
            '(net-keepalive throws EINVAL below 1 s). Only continuous traffic keeps this path open.',
        );
      }
      break;
    }
    default: {
      const never: never = basis;
      throw new Error(`unknown basis ${String(never)}`);
    }
  }

  const values = keepaliveFor(survivedS);
  const { keepaliveIdleS, keepaliveIntervalS, keepaliveCount, heartbeatS } = values;
  const deadPeer = deadPeerAdvice(keepalivePlanFor(survivedS), false);

  if (proxy) {
    reasons.push(
      'A terminating proxy closes the connection with FIN at its timeout. TCP keepalive does not stop ' +
        "a terminating proxy's idle timer (it only refreshes your leg to the proxy, and carries no data): " +
        `use an application heartbeat every ${heartbeatS} s instead.`,
    );
  } else if (tcpKeepaliveHelps) {
    reasons.push(
      `TCP keepalive: first probe after ${keepaliveIdleS} s idle, retry every ${keepaliveIntervalS} s. ` +
        `Idle plus one retry (${keepaliveIdleS + keepaliveIntervalS} s) stays within 80% of ` +
        `${roundSeconds(1000 * survivedS)}, ` +
        `so even a lost probe is followed by one that refreshes the mapping in time.`,
    );
    reasons.push(...deadPeerReasons(deadPeer));
    reasons.push(
      'Enable keepalive on the side behind the NAT (the client): outbound packets always refresh a ' +
        'mapping, while a refresh by inbound packets is only optional (RFC 4787 REQ-6).',
    );
  }
  reasons.push(
    `Application heartbeat: every ${heartbeatS} s, half the longest surviving idle, so the mapping ` +
      'gets two chances within the timeout (RFC 3581: refresh at half the discovered lifetime).',
  );
  if (heartbeatS < RFC8085_MIN_KEEPALIVE_S) {
    reasons.push(
      `Note: RFC 8085 asks for keepalives no more often than every ${RFC8085_MIN_KEEPALIVE_S} s unless the ` +
        `path needs it; this one does (${heartbeatS} s). Add some jitter if many clients share the path.`,
    );
  }

  return {
    keepaliveIdleS,
    keepaliveIntervalS,
    keepaliveCount,
    heartbeatS,
    basis,
    tcpKeepaliveHelps,
    limitingDirection: direction,
    basedOnS: survivedS,
    deadPeer,
    reasons,
  };
}

/** keepaliveFor as a kernel plan. */
function keepalivePlanFor(survivedS: number): KeepalivePlan {
  const { keepaliveIdleS, keepaliveIntervalS, keepaliveCount } = keepaliveFor(survivedS);
  return { idleS: keepaliveIdleS, intervalS: keepaliveIntervalS, count: keepaliveCount };
}
