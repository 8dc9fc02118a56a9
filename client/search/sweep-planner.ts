/**
 * Sweep planning: evictions happen at the collector's ticks, so at any one instant the boundary
 * is sharp, at T plus the time since the last tick. Batches of simultaneous tests across the
 * zone, one step apart in time for a whole period, see the boundary at every phase: its lowest
 * value is within a step of T, its highest within a step of T + G. The batches test the zone until
 * a likelihood ratio tells a sweep from lost probes; a sweep is then followed until a drop is
 * caught, and the zone reported from what the sawtooth proves (sweep-zone.ts).
 *
 * Pure: `planSweep` takes the sweep examined so far and returns the one to keep (believed, or
 * dismissed as loss) with the targets of the next batch.
 */
import { CROSSING_TOLERANCE_MS, type PhasePlan, type Target } from './clock-pool.js';
import { sweepLogLikelihoodRatio, type Judgement } from './evidence.js';
import { testsByBatch, type TestRecord } from './pass-record.js';
import { firstSweepCaughtAtMs, type InstantBoundary } from './sawtooth.js';
import {
  sweepBatchGapMs,
  sweepInstants,
  sweepSpread,
  sweepZoneBounds,
  type SweepState,
  type Zone,
} from './sweep-zone.js';
import type { SearchLimits } from './types.js';
import { cadenceWakeMs, stepMs } from './verification.js';

/**
 * A suspected sweep is believed, or dismissed as loss, once the batches favour one over the other
 * by these log odds (100 to 1); until then the search keeps sampling the zone.
 */
const SWEEP_DECISION_LOG_ODDS = Math.log(100);

/** A believed sweep is watched for this many of its periods before its zone is reported. */
const SWEEP_PERIODS_WATCHED = 2;

/** Tests a sweep batch spreads below the boundary it predicts, to catch the sweep that drops it. */
const SWEEP_SPARSE_TESTS = 3;

/** Below the zone, sweep batches reach at most 2^this steps lower. */
const MAX_SWEEP_REACH_DOUBLINGS = 4;

/** A sweep is sampled in at most this many batches. */
const MAX_SWEEP_BATCHES = 24;

/** What sweep planning needs to know of the pass, now. */
export interface SweepInput {
  /** A judgement with a sweep zone. */
  judgement: Judgement;
  records: readonly TestRecord[];
  /** A probe is under way. */
  pending: boolean;
  nowMs: number;
  limits: SearchLimits;
}

/** The sweep with one more batch, launched at `atMs`. */
export function withSweepBatch(sweep: SweepState, batch: number, atMs: number): SweepState {
  return { ...sweep, batches: new Map([...sweep.batches, [batch, atMs]]) };
}

/**
 * The suspected sweep was loss: contradictions up to `zoneTopMs` are set aside, its batches
 * dropped, and the search decides again at once, as a plain search.
 */
function dismissed(sweep: SweepState, zoneTopMs: number, nowMs: number): PhasePlan<SweepState> {
  return {
    state: { ...sweep, batches: new Map(), noSweepAtOrBelowMs: zoneTopMs },
    targets: [],
    wakeAtMs: nowMs + CROSSING_TOLERANCE_MS,
  };
}

/** The next sweep batch, or null once the zone is mapped; the sweep to keep. */
export function planSweep(
  sweep: SweepState,
  { judgement, records, pending, nowMs, limits }: SweepInput,
): PhasePlan<SweepState> {
  const zone = sweepZoneBounds(judgement, records);
  const step = stepMs(limits.resolutionMs, zone.hiMs);
  const batches = [...sweep.batches.values()];
  // Sweep over loss, as log odds (`sweepLogLikelihoodRatio`), from every batch of the pass: a lone
  // test at its own instant says as much about the boundary of that instant as a batch.
  const evidence = pending ? 0 : sweepLogLikelihoodRatio(records, testsByBatch(records), zone.loMs - step);
  // Batches survived up to the top of the zone, each death alone: the contradictions were lost
  // probes, not a collector's phase.
  if (!sweep.believed && evidence <= -SWEEP_DECISION_LOG_ODDS) return dismissed(sweep, zone.hiMs, nowMs);
  const spanMs = batches.length === 0 ? 0 : nowMs - Math.min(...batches);
  // The boundary moves with time and falls back at each sweep: batches spanning more time than
  // it was seen to move have seen every phase; twice that (plus the gap between batches either
  // side) sees each phase twice, so a batch short of clocks at one phase does not leave a hole.
  const movedMs = Math.max(zone.hiMs - zone.loMs, sweepSpread(sweep.batches, records)?.allowedMs ?? 0);
  const instants = sweepInstants(sweep.batches, records);
  const dropAtMs = firstSweepCaughtAtMs(instants);
  const coveredPeriod =
    batches.length >= 3 &&
    spanMs >= SWEEP_PERIODS_WATCHED * movedMs + 2 * sweepBatchGapMs(sweep.batches, step) &&
    dropAtMs !== null &&
    nowMs - dropAtMs >= movedMs;
  // Above a sweep's zone everything dies: the zone is only believed once batches saw that twice.
  const batchesWithDeathAbove = new Set(
    records
      .filter((o) => !o.survived && o.idleMs > zone.hiMs && sweep.batches.has(o.batch))
      .map((o) => o.batch),
  ).size;
  // Like any sequential test, the decision stands once made: later batches only map the zone.
  const believed = sweep.believed || (evidence >= SWEEP_DECISION_LOG_ODDS && batchesWithDeathAbove >= 2);
  const kept: SweepState = believed === sweep.believed ? sweep : { ...sweep, believed };
  const mapped: PhasePlan<SweepState> = { state: kept, targets: null, wakeAtMs: null };
  const waiting = (wakeAtMs: number | null): PhasePlan<SweepState> => ({
    state: kept,
    targets: [],
    wakeAtMs,
  });
  if (believed && coveredPeriod) return mapped;
  // Few clocks near the zone make batches thin and slow: a sweep gets as much time as the batches would take.
  if (batches.length >= MAX_SWEEP_BATCHES || spanMs >= MAX_SWEEP_BATCHES * step) {
    if (believed) return mapped;
    if (pending) return waiting(null);
    // Out of time with the odds for a sweep but no clock old enough to die above the zone twice:
    // a moving boundary is still what the batches saw, and reporting it sharp would be wrong.
    if (evidence >= SWEEP_DECISION_LOG_ODDS) return { ...mapped, state: { ...kept, believed: true } };
    return dismissed(kept, zone.hiMs, nowMs);
  }
  if (pending) return waiting(null);
  const dueMs = cadenceWakeMs(batches, step, nowMs);
  if (dueMs !== null) return waiting(dueMs);
  return { state: kept, targets: sawtoothTargets(zone, step, instants, nowMs, limits.minMs), wakeAtMs: null };
}

/**
 * Where the next sweep batch tests. Between sweeps the boundary rises exactly as fast as time
 * passes, so the last batch that saw it predicts where it is now: a few tests there follow it up
 * to T + G, and a few spread below catch the sweep that drops it back to T. Testing the whole
 * zone at every batch would spend the clocks that a long sweep needs later, at its top.
 *
 *   idle ─►  zone.lo ···· sparse ···· │ predicted band │ + step
 *   batch k        ✓        ✓         ✓    ✗           ✗         boundary seen at t_k
 *   batch k+1      ✓        ✓              ✓    ✗      ✗         band moved up by t_{k+1} - t_k
 */
export function sawtoothTargets(
  zone: Zone,
  step: number,
  instants: readonly InstantBoundary[],
  nowMs: number,
  minMs: number,
): Target[] {
  // Batches that all died saw the boundary below all they tested: reach lower, twice as far each time.
  const lowestMs = Math.max(
    minMs,
    zone.loMs - step * 2 ** Math.min(MAX_SWEEP_REACH_DOUBLINGS, trailingBatchesAllDead(instants)),
  );
  const band = predictedBoundary(instants, nowMs);
  const bandLoMs = band?.loMs ?? lowestMs;
  const bandHiMs = Math.max(band?.hiMs ?? zone.hiMs + 2 * step, bandLoMs + step);
  const targets: Target[] = [];
  for (let at = Math.max(lowestMs, bandLoMs - step / 2); at <= bandHiMs + step / 2; at += step)
    targets.push({ atMs: at, untilMs: at + step });
  const belowMs = (targets[0]?.atMs ?? bandLoMs) - lowestMs;
  const sparse = Math.min(SWEEP_SPARSE_TESTS, Math.floor(belowMs / step));
  for (let k = 0; k < sparse; k++) {
    const at = lowestMs + (k * belowMs) / sparse;
    targets.push({ atMs: at, untilMs: at + step });
  }
  return targets;
}

/** How many of the latest sweep batches had every test die. */
function trailingBatchesAllDead(instants: readonly InstantBoundary[]): number {
  let count = 0;
  for (const b of [...instants].sort((x, y) => y.atMs - x.atMs)) {
    if (b.floorMs !== null || b.ceilingMs === null) break;
    count++;
  }
  return count;
}

/**
 * The boundary now, if the last sweep batch saw it and no sweep ran since: its floor and ceiling
 * moved on by the time since. A side that batch did not see is null.
 */
function predictedBoundary(
  instants: readonly InstantBoundary[],
  nowMs: number,
): { loMs: number | null; hiMs: number | null } | null {
  const last = instants.reduce<InstantBoundary | null>(
    (a, b) => (a === null || b.atMs > a.atMs ? b : a),
    null,
  );
  if (last === null) return null;
  const movedMs = nowMs - last.atMs;
  return {
    loMs: last.floorMs === null ? null : last.floorMs + movedMs,
    hiMs: last.ceilingMs === null ? null : last.ceilingMs + movedMs,
  };
}
