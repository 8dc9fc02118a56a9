/**
 * Weighing observations that disagree. On a clean middlebox every survival lies below every
 * eviction. Two kinds of noise break that, and they look different:
 *
 *   probe loss   a test that got no answer although the mapping was alive: a silent "eviction"
 *                at an idle that other connections survived, anywhere below the timeout, alone.
 *   sweep        a periodic collector evicts somewhere between T and T + G: evictions and
 *                survivals interleave, but only in a narrow zone just below the longest survival.
 *
 * A survival is never doubted (nothing fakes an answer). An RST or a FIN is never doubted either
 * (loss does not fake those). A silent eviction contradicted by a longer survival is judged loss
 * and set aside, unless it lies in the top zone: then it may be a sweep, it stays (widening the
 * bracket to cover the zone) until batches of tests there show whether the boundary moves.
 */
import { bracketOf, type Bracket } from './bracket.js';
import type { Observation } from './types.js';

/** Contradicted evictions within this fraction below the longest survival form a sweep zone. */
export const SWEEP_ZONE_FRACTION = 0.05;

/**
 * How many contradicted evictions in the zone make it a suspected sweep. One is enough to look:
 * the search then tests the zone in batches, and a boundary that does not move clears it as loss.
 */
export const SWEEP_MIN_CONTRADICTIONS = 1;

export interface Judgement {
  bracket: Bracket;
  /** Silent evictions set aside as probe loss. */
  lost: Set<Observation>;
  /** Contradicted evictions kept because they cluster like a sweep. */
  sweepZone: Observation[];
}

export function isStrong(o: Observation): boolean {
  return !o.survived && o.how !== 'silent-drop';
}

/**
 * `noSweepAtOrBelowMs`: contradicted evictions at or below this idle were already examined in
 * batches and showed no moving boundary, so they are loss, not a sweep.
 */
export function judge(observations: readonly Observation[], noSweepAtOrBelowMs = Number.NEGATIVE_INFINITY): Judgement {
  let maxSurvivedMs: number | null = null;
  for (const o of observations) if (o.survived && (maxSurvivedMs === null || o.idleMs > maxSurvivedMs)) maxSurvivedMs = o.idleMs;

  const contradicted = maxSurvivedMs === null ? [] : observations.filter((o) => !o.survived && o.idleMs <= (maxSurvivedMs as number));
  const zoneFloorMs = (maxSurvivedMs ?? 0) * (1 - SWEEP_ZONE_FRACTION);
  const inZone = contradicted.filter((o) => o.idleMs >= zoneFloorMs && o.idleMs > noSweepAtOrBelowMs);
  const sweepZone = inZone.length >= SWEEP_MIN_CONTRADICTIONS ? inZone : [];
  const kept = new Set(sweepZone);
  const lost = new Set(contradicted.filter((o) => !isStrong(o) && !kept.has(o)));
  return { bracket: bracketOf(observations, lost), lost, sweepZone };
}
