/**
 * What the phases of the search plan on: the pass's records, or the records with the provisional
 * evictions of the tests unanswered past the mark (provisional.ts). Pure: built afresh at every
 * decision from the records and the clocks under test, so nothing provisional outlives its test.
 */
import type { Clock } from './clock-pool.js';
import type { Judgement } from './evidence.js';
import type { TestRecord } from './pass-record.js';
import { provisionalView } from './provisional.js';

export interface PlanningView {
  readonly judgement: Judgement;
  readonly records: readonly TestRecord[];
  /** Idles under test and still awaited (a provisional test is an eviction here, not pending). */
  readonly pending: readonly number[];
  /** Provisional evictions in the view. */
  readonly provisional: number;
  /** When the next awaited test turns provisional, if any will. */
  readonly provisionalAtMs: number | null;
}

export interface PlanningInput {
  /** The judgement of the records alone. */
  readonly real: Judgement;
  readonly records: readonly TestRecord[];
  readonly probing: readonly Clock[];
  readonly nowMs: number;
  /** How long an unanswered test waits to turn provisional (null: never), and below what idle. */
  readonly afterMs: number | null;
  readonly maxIdleMs: number;
  /** Judges a set of records as the pass does. */
  readonly judge: (records: readonly TestRecord[]) => Judgement;
}

/**
 * The records plus the provisional evictions, unless those make or meet a suspected sweep (its
 * planner keeps decisions that stand, so it sees only what was answered).
 */
export function planningView({
  real,
  records,
  probing,
  nowMs,
  afterMs,
  maxIdleMs,
  judge,
}: PlanningInput): PlanningView {
  const pending = probing.map((c) => c.probeIdleMs);
  const plain = plainView(real, records, pending);
  const view = provisionalView(probing, nowMs, afterMs, maxIdleMs);
  if (real.sweepZone.length > 0) return { ...plain, provisionalAtMs: null };
  if (view.records.length === 0) return { ...plain, provisionalAtMs: view.nextAtMs };
  const withProvisional = [...records, ...view.records];
  const judgement = judge(withProvisional);
  if (judgement.sweepZone.length > 0) return { ...plain, provisionalAtMs: null };
  return {
    judgement,
    records: withProvisional,
    pending: view.awaitedIdles,
    provisional: view.records.length,
    provisionalAtMs: view.nextAtMs,
  };
}

/** The records alone, as they stand. */
export function plainView(
  judgement: Judgement,
  records: readonly TestRecord[],
  pending: readonly number[],
): PlanningView {
  return { judgement, records, pending, provisional: 0, provisionalAtMs: null };
}
