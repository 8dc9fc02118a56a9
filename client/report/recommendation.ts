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

export type RecommendationBasis =
  /** A timeout was measured: values come from the longest idle seen to survive. */
  | 'timeout'
  /** Nothing was evicted up to the longest idle tested: values come from that idle. */
  | 'no-eviction-up-to-max'
  /** Even the shortest idle tested was evicted: values are the smallest possible. */
  | 'nothing-survived'
  /** No direction produced a measurement (the run ended before any probe answered). */
  | 'no-data';

export interface Recommendation {
  /** TCP_KEEPIDLE, s: idle before the first keepalive probe. */
  keepaliveIdleS: number;
  /** TCP_KEEPINTVL, s: between unanswered probes. */
  keepaliveIntervalS: number;
  /** TCP_KEEPCNT: unanswered probes before the connection is declared dead. */
  keepaliveCount: number;
  /** Application heartbeat period, s (what works through a terminating proxy). */
  heartbeatS: number;
  basis: RecommendationBasis;
  /** false when TCP keepalive cannot keep the path open (terminating proxy, or a timeout < 1 s). */
  tcpKeepaliveHelps: boolean;
  /** The direction the values were derived from (the one that dies first); null with no data. */
  limitingDirection: Direction | null;
  /** The idle the values were derived from, s (null with no data). */
  basedOnS: number | null;
  /** Plain-language reasons for each value, in the order a reader needs them. */
  reasons: string[];
}

/** Keepalive idle and interval are whole seconds and at least 1 (net-keepalive: EINVAL below 1 s). */
export const MIN_KEEPALIVE_S = 1;
/** Linux's default TCP_KEEPINTVL: no reason to wait longer between retries than the OS default. */
export const MAX_KEEPALIVE_INTERVAL_S = 75;
/** Probes before giving up: one lost probe is survivable, a dead peer is noticed after idle + 3 × interval. */
export const KEEPALIVE_COUNT = 3;
/** RFC 8085 §3.1.1: keepalives no more often than every 15 s unless the path needs it. */
export const RFC8085_MIN_KEEPALIVE_S = 15;
/** Shortest common default in the field notes (AWS ALB, nginx), used only when nothing was measured. */
export const ASSUMED_TIMEOUT_WITHOUT_DATA_S = 60;

/** Which direction dies first, and how its result is shaped. */
export interface LimitingDirection {
  direction: Direction;
  result: DirectionResult;
  basis: Exclude<RecommendationBasis, 'no-data'>;
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

function formatS(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
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

/** Keepalive and heartbeat settings that beat the direction that dies first, with reasons. */
export function recommend(directions: Partial<Record<Direction, DirectionResult>>): Recommendation {
  const limiting = limitingDirection(directions);
  const proxy = terminatingProxy(directions);
  const reasons: string[] = [];

  if (limiting === null) {
    const values = keepaliveFor(ASSUMED_TIMEOUT_WITHOUT_DATA_S);
    reasons.push(
      `Nothing was measured, so these values are a guess: they assume ${ASSUMED_TIMEOUT_WITHOUT_DATA_S} s, ` +
        'the shortest common default idle timeout (AWS ALB, nginx proxy_read_timeout). Run again.',
    );
    return {
      ...values,
      basis: 'no-data',
      tcpKeepaliveHelps: true,
      limitingDirection: null,
      basedOnS: null,
      reasons,
    };
  }

  const { direction, result, basis } = limiting;
  let tcpKeepaliveHelps = !proxy;
  let survivedS: number;

  switch (basis) {
    case 'timeout': {
      survivedS = (result.survivedMs ?? 0) / 1000;
      const evictedS = (result.evictedMs ?? 0) / 1000;
      reasons.push(
        `The ${direction} direction dies first: it survives ${formatS(survivedS)} idle and is ` +
          `${evictionWords(result.eviction)} at ${formatS(evictedS)}. Every value below is planned from ` +
          `${formatS(survivedS)}, the longest idle known to be safe.`,
      );
      break;
    }
    case 'no-eviction-up-to-max': {
      survivedS = (result.survivedMs ?? 0) / 1000;
      reasons.push(
        `No eviction was seen up to ${formatS(survivedS)} idle (the longest tested). The real timeout ` +
          'may be much longer; these values are only sure to be enough, and may be more frequent than needed.',
      );
      break;
    }
    case 'nothing-survived': {
      survivedS = MIN_KEEPALIVE_S;
      const evictedS = (result.evictedMs ?? 0) / 1000;
      reasons.push(
        `Nothing survived, even the shortest idle tested: the ${direction} direction was ` +
          `${evictionWords(result.eviction)} after ${formatS(evictedS)}. The smallest possible values ` +
          '(1 s) are used; they may still not be enough: check the path (a firewall killing idle ' +
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
        `${formatS(survivedS)}, so even a lost probe is followed by one that refreshes the mapping in time.`,
    );
    reasons.push(
      `${keepaliveCount} unanswered probes declare the peer dead: a dead peer is noticed after ` +
        `${keepaliveIdleS + keepaliveCount * keepaliveIntervalS} s (idle + ${keepaliveCount} × interval).`,
    );
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
    ...values,
    basis,
    tcpKeepaliveHelps,
    limitingDirection: direction,
    basedOnS: survivedS,
    reasons,
  };
}

/** Default idle timeouts from the field notes, s, and who uses them. */
export const KNOWN_MIDDLEBOX_DEFAULTS: readonly { seconds: number; label: string }[] = [
  { seconds: 60, label: 'AWS ALB / Classic LB or nginx proxy_read_timeout (60 s)' },
  {
    seconds: 240,
    label: 'Azure Load Balancer / NAT Gateway (240 s), or a China Telecom home line (measured 241 s)',
  },
  { seconds: 300, label: 'German fibre CGN (measured 300 s)' },
  { seconds: 350, label: 'AWS NAT Gateway or NLB (350 s)' },
  { seconds: 1200, label: 'GCP Cloud NAT / Huawei USG (1200 s)' },
  { seconds: 1800, label: 'Juniper SRX (1800 s)' },
  { seconds: 3600, label: 'Cisco ASA / Palo Alto / FortiGate (3600 s)' },
  { seconds: 7440, label: 'RFC 5382 minimum (7440 s = 2 h 4 min)' },
  { seconds: 21600, label: 'Twilio Super SIM core (6 h)' },
  { seconds: 86400, label: 'Cisco IOS NAT (86400 s)' },
  { seconds: 432000, label: 'Linux conntrack default (5 days)' },
];

/** Relative distance within which a measured bound is said to look like a known default. */
export const HINT_TOLERANCE = 0.05;

/**
 * A hint naming the known middlebox whose default idle timeout is within 5% of `seconds`
 * ("AWS NAT Gateway or NLB (350 s)"), or null.
 */
export function knownMiddleboxHint(seconds: number): string | null {
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  let best: { seconds: number; label: string } | null = null;
  for (const entry of KNOWN_MIDDLEBOX_DEFAULTS) {
    const distance = Math.abs(seconds - entry.seconds) / entry.seconds;
    if (distance > HINT_TOLERANCE) continue;
    if (best === null || distance < Math.abs(seconds - best.seconds) / best.seconds) best = entry;
  }
  return best?.label ?? null;
}
