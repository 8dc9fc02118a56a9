/**
 * What the sweep batches saw. Under a periodic sweep the boundary is sharp at each instant but
 * moves: each batch, tested at one instant, puts it above its longest survival (a floor) and at
 * or below its shortest death past that (a ceiling). From those: the zone the batches span, how
 * far the boundary was seen to move, what the sawtooth proves (`sawtoothBounds`), and the bracket
 * to report, which covers the whole zone. Pure functions of the pass's records and its batches.
 */
import type { Bracket } from './bracket.js';
import { boundaryAtInstant, lossWithinBatches, type Judgement } from './evidence.js';
import { batchBoundary, testsByBatch, type TestRecord } from './pass-record.js';
import { sawtoothBounds, type InstantBoundary, type SawtoothBounds } from './sawtooth.js';
import type { EvictionKind, SearchLimits } from './types.js';
import { stepMs } from './verification.js';

/** A suspected sweep as the pass has examined it so far. */
export interface SweepState {
  /** Sweep batches: batch -> when launched. */
  readonly batches: ReadonlyMap<number, number>;
  /** The sweep batches made the case for a sweep: the rest only map its zone. */
  readonly believed: boolean;
  /** A suspected sweep that batches did not bear out: contradictions up to here are loss. */
  readonly noSweepAtOrBelowMs: number;
}

export const NO_SWEEP: SweepState = {
  batches: new Map(),
  believed: false,
  noSweepAtOrBelowMs: Number.NEGATIVE_INFINITY,
};

export interface Zone {
  loMs: number;
  hiMs: number;
}

/** From the lowest contradicted eviction (or the lower bound) to the longest survival (or the upper one). */
export function sweepZoneBounds({ sweepZone, bracket }: Judgement, records: readonly TestRecord[]): Zone {
  const idles = sweepZone.map((o) => o.idleMs);
  const survived = records.filter((o) => o.survived).map((o) => o.idleMs);
  return {
    loMs: Math.min(...idles, bracket.loMs ?? Number.POSITIVE_INFINITY),
    hiMs: Math.max(...survived, bracket.hiMs ?? 0),
  };
}

/** The boundary each sweep batch saw at its instant. */
export function sweepInstants(
  batches: ReadonlyMap<number, number>,
  records: readonly TestRecord[],
): InstantBoundary[] {
  return [...batches.entries()].map(([batch, atMs]) => ({ atMs, ...batchBoundary(records, batch) }));
}

/**
 * The longest time between consecutive sweep batches, and at least one step: batches keep a
 * step apart, but also wait for the last one's silent drops to be declared (the grace period).
 */
export function sweepBatchGapMs(batches: ReadonlyMap<number, number>, step: number): number {
  const times = [...batches.values()].sort((a, b) => a - b);
  let gapMs = step;
  for (let i = 1; i < times.length; i++)
    gapMs = Math.max(gapMs, (times[i] as number) - (times[i - 1] as number));
  return gapMs;
}

/**
 * How far the boundary moved between sweep batches. The boundary moved at least from the lowest
 * ceiling to the highest floor (`forcedMs`), and at most from the lowest floor to the highest
 * ceiling among batches that saw both (`allowedMs`). Null before the batches saw a floor and a
 * ceiling.
 */
export function sweepSpread(
  batches: ReadonlyMap<number, number>,
  records: readonly TestRecord[],
): { forcedMs: number; allowedMs: number } | null {
  const floors: number[] = [];
  const ceilings: number[] = [];
  let allowedLoMs = Number.POSITIVE_INFINITY;
  let allowedHiMs = Number.NEGATIVE_INFINITY;
  for (const batch of batches.keys()) {
    const b = batchBoundary(records, batch);
    if (b.floorMs !== null) floors.push(b.floorMs);
    if (b.ceilingMs !== null) ceilings.push(b.ceilingMs);
    if (b.floorMs !== null && b.ceilingMs !== null)
      [allowedLoMs, allowedHiMs] = [Math.min(allowedLoMs, b.floorMs), Math.max(allowedHiMs, b.ceilingMs)];
  }
  if (floors.length === 0 || ceilings.length === 0) return null;
  return {
    forcedMs: Math.max(0, Math.max(...floors) - Math.min(...ceilings)),
    allowedMs: Math.max(0, allowedHiMs - allowedLoMs),
  };
}

/** Bounds on [T, T + G] from every batch of the pass, each seen at its instant (`sawtoothBounds`). */
export function provenSweepZone(
  batches: ReadonlyMap<number, number>,
  records: readonly TestRecord[],
): SawtoothBounds {
  const byBatch = testsByBatch(records);
  // A lost probe would fake a low ceiling and with it a sweep: where loss is seen, lone deaths prove nothing.
  const lossy = lossWithinBatches(byBatch);
  const proven = sawtoothBounds(
    byBatch.map((tests) => ({ atMs: (tests[0] as TestRecord).atMs, ...boundaryAtInstant(tests, lossy) })),
  );
  // Bounds that cross each other are not a sawtooth's: something else (more loss) is going on.
  const { timeoutAboveMs: lo, zoneTopAtMostMs: hi } = proven;
  return lo !== null && hi !== null && hi - lo < (sweepSpread(batches, records)?.forcedMs ?? 0)
    ? { timeoutAboveMs: null, zoneTopAtMostMs: null }
    : proven;
}

/**
 * The bracket to report. After a sweep it spans every batch's boundary, widened by one step on
 * each side (a batch can miss the boundary's extremes by up to one step), and snapped outward to
 * idles actually observed, so that it contains [T, T + G].
 */
export function reportedBracket(
  judgement: Judgement,
  records: readonly TestRecord[],
  batches: ReadonlyMap<number, number>,
  limits: SearchLimits,
): Bracket {
  if (judgement.sweepZone.length === 0) return judgement.bracket;
  const zone = sweepZoneBounds(judgement, records);
  // Between two batches the boundary moves by at most the time between them: the extremes of a
  // whole period lie within that of the extremes the batches saw.
  const marginMs = sweepBatchGapMs(batches, stepMs(limits.resolutionMs, zone.hiMs));
  let lowestBoundaryMs = Number.POSITIVE_INFINITY;
  let highestBoundaryMs = Number.NEGATIVE_INFINITY;
  for (const batch of batches.keys()) {
    const b = batchBoundary(records, batch);
    if (b.ceilingMs !== null) lowestBoundaryMs = Math.min(lowestBoundaryMs, b.floorMs ?? b.ceilingMs);
    if (b.floorMs !== null) highestBoundaryMs = Math.max(highestBoundaryMs, b.ceilingMs ?? b.floorMs);
  }
  // Where a sweep was caught between batches, the sawtooth bounds the zone without relying on a
  // batch having landed at its extremes; the wider of the two estimates is kept.
  const proven = provenSweepZone(batches, records);
  const floorMs = Math.min(
    Math.min(lowestBoundaryMs, zone.loMs) - marginMs,
    proven.timeoutAboveMs ?? Number.POSITIVE_INFINITY,
  );
  const ceilingMs = Math.max(
    Math.max(highestBoundaryMs, zone.hiMs) + marginMs,
    proven.zoneTopAtMostMs ?? Number.NEGATIVE_INFINITY,
  );
  let loMs: number | null = null;
  let hiMs: number | null = null;
  let eviction: EvictionKind | null = null;
  let minSurvivedMs: number | null = null;
  let maxEvicted: TestRecord | null = null;
  for (const o of records) {
    if (o.survived && o.idleMs <= floorMs && (loMs === null || o.idleMs > loMs)) loMs = o.idleMs;
    if (!o.survived && o.idleMs >= ceilingMs && (hiMs === null || o.idleMs < hiMs))
      [hiMs, eviction] = [o.idleMs, o.how];
    if (o.survived && (minSurvivedMs === null || o.idleMs < minSurvivedMs)) minSurvivedMs = o.idleMs;
    if (!o.survived && (maxEvicted === null || o.idleMs > maxEvicted.idleMs)) maxEvicted = o;
  }
  // No observation that far out: fall back to the outermost ones seen, still outside the zone.
  if (loMs === null) loMs = minSurvivedMs !== null && minSurvivedMs <= zone.loMs ? minSurvivedMs : null;
  // No test went out that far: the bound itself, inferred, and never below an eviction seen.
  if (hiMs === null && maxEvicted !== null)
    [hiMs, eviction] = [Math.max(ceilingMs, maxEvicted.idleMs), maxEvicted.how];
  return { loMs, hiMs, eviction, contradictions: judgement.bracket.contradictions };
}

/** The sweep's period as the batches saw it (see the 'sweep' finding). */
export interface SweepPeriod {
  granularityMs: number;
  /** What the sawtooth proves of the whole zone, when it proves both ends. */
  atMostMs: number | null;
  /** How far the boundary was seen to move, and the widest gap between batches; null: not seen to move. */
  movedMs: number | null;
  gapMs: number | null;
}

/**
 * The sweep period. Batches one gap apart see the boundary's extremes to within that gap, so the
 * period is about what they forced plus one gap; before they forced anything, the zone's width.
 */
export function sweepPeriod(
  judgement: Judgement,
  records: readonly TestRecord[],
  batches: ReadonlyMap<number, number>,
  limits: SearchLimits,
): SweepPeriod {
  const spread = sweepSpread(batches, records);
  const zone = sweepZoneBounds(judgement, records);
  if (spread === null || spread.forcedMs === 0)
    return { granularityMs: zone.hiMs - zone.loMs, atMostMs: null, movedMs: null, gapMs: null };
  const gapMs = sweepBatchGapMs(batches, stepMs(limits.resolutionMs, zone.hiMs));
  // A sweep caught between batches bounds the whole zone, so the period too: it may be longer
  // than the batches saw the boundary move, when they missed its extremes.
  const proven = provenSweepZone(batches, records);
  const atMostMs =
    proven.timeoutAboveMs !== null && proven.zoneTopAtMostMs !== null
      ? proven.zoneTopAtMostMs - proven.timeoutAboveMs
      : null;
  return { granularityMs: spread.forcedMs + gapMs, atMostMs, movedMs: spread.forcedMs, gapMs };
}
