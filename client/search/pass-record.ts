/**
 * What one pass of the search recorded: every test with the batch it was launched in and whether
 * it was its connection's first, and the readings the phases take from them (tests per batch, the
 * boundary a batch saw, how often first and later tests went unanswered). Pure functions of the
 * records.
 */
import { boundaryAtInstant } from './evidence.js';
import { fewerFailuresPValue } from './statistics.js';
import type { Observation } from './types.js';

/** One test of a pass (or a spontaneous death: batch 0, no test). */
export interface TestRecord extends Observation {
  batch: number;
  /** The connection's first test since it was opened. */
  first: boolean;
}

/** Tests of one kind (first or later), and how many of them went unanswered (suspected probe loss). */
export interface UnansweredCount {
  tests: number;
  unanswered: number;
}

/** The pass's tests, one group per batch (each made at one instant); spontaneous deaths are no test. */
export function testsByBatch(records: readonly TestRecord[]): TestRecord[][] {
  const byBatch = new Map<number, TestRecord[]>();
  for (const o of records) {
    if (o.spontaneous) continue;
    const batch = byBatch.get(o.batch);
    if (batch === undefined) byBatch.set(o.batch, [o]);
    else batch.push(o);
  }
  return [...byBatch.values()];
}

/** The boundary one batch saw at its instant (`boundaryAtInstant`). */
export function batchBoundary(
  records: readonly TestRecord[],
  batch: number,
): { floorMs: number | null; ceilingMs: number | null } {
  return boundaryAtInstant(records.filter((o) => o.batch === batch && !o.spontaneous));
}

/** Tests, spontaneous deaths aside. */
export function testCount(records: readonly TestRecord[]): number {
  return records.filter((o) => !o.spontaneous).length;
}

/** First tests (`first`) or later ones, and how many of them are among `lossSuspects`. */
export function unansweredCount(
  records: readonly TestRecord[],
  lossSuspects: ReadonlySet<Observation>,
  first: boolean,
): UnansweredCount {
  let tests = 0;
  let unanswered = 0;
  for (const o of records) {
    if (o.first !== first || o.spontaneous) continue;
    tests++;
    if (lossSuspects.has(o)) unanswered++;
  }
  return { unanswered, tests };
}

/** How unlikely the first tests' unanswered share is, had they gone like later ones (Fisher, one-sided). */
export function firstTestsPValue(
  records: readonly TestRecord[],
  lossSuspects: ReadonlySet<Observation>,
): number {
  const first = unansweredCount(records, lossSuspects, true);
  const later = unansweredCount(records, lossSuspects, false);
  return fewerFailuresPValue(first.unanswered, first.tests, later.unanswered, later.tests);
}

/** The share of the pass's records suspected lost (spontaneous deaths count among the records). */
export function unansweredShare(
  records: readonly TestRecord[],
  lossSuspects: ReadonlySet<Observation>,
): number {
  return records.length === 0 ? 0 : lossSuspects.size / records.length;
}
