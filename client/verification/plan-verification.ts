/**
 * What a discovery run verifies, from what its search found: the recommended keepalive and
 * heartbeat, in every direction that was evicted (the one that dies first first). Nothing is
 * verified where nothing was evicted: there is no timeout for a setting to beat. Pure.
 */
import { limitingDirection, recommend, type RecommendOptions } from '../report/recommendation.js';
import { DIRECTIONS, type Direction, type DirectionResult } from '../search/types.js';
import type { VerificationPlan } from './verification-run.js';

export function planVerification(
  directions: Partial<Record<Direction, DirectionResult>>,
  options: Pick<RecommendOptions, 'proxy'> = {},
): VerificationPlan | null {
  const limiting = limitingDirection(directions);
  if (limiting === null || limiting.basis !== 'timeout') return null;
  const { survivedMs, evictedMs } = limiting.result;
  if (survivedMs === null || evictedMs === null) return null;
  const rec = recommend(directions, options);
  if (rec.keepaliveIdleS === null || rec.keepaliveIntervalS === null || rec.keepaliveCount === null)
    return null;
  const evicted = DIRECTIONS.filter((d) => directions[d]?.evictedMs != null);
  return {
    keepalive: { idleS: rec.keepaliveIdleS, intervalS: rec.keepaliveIntervalS, count: rec.keepaliveCount },
    heartbeatS: rec.heartbeatS,
    heartbeatRequired: !rec.tcpKeepaliveHelps,
    timeoutMs: evictedMs,
    survivedMs,
    directions: [limiting.direction, ...evicted.filter((d) => d !== limiting.direction)],
  };
}
