/**
 * The findings of a search, as data (the `Finding` union in types.ts): why it stopped early, what
 * the re-checks said, a sweep and its period, probe loss, mistimed survivals, connections that
 * failed to open; and the confidence they leave. Worded by the report (client/report/findings-text.ts),
 * never here.
 */
import { isStrong, type Judgement } from './evidence.js';
import type { TestRecord } from './pass-record.js';
import { recheckFindings, type PassSummary } from './recheck.js';
import { reportedBracket, sweepPeriod } from './sweep-zone.js';
import type { Direction, Finding, SearchLimits, StopReason } from './types.js';

/** What the findings are read from: the last pass and what came before it. */
export interface FindingsInput {
  stopReason: StopReason | null;
  /** Ended once settled by another direction (see settle.ts), and how far it had searched. */
  settled: { by: Direction; searchedToMs: number | null } | null;
  earlierPasses: readonly PassSummary[];
  budget: number;
  judgement: Judgement;
  records: readonly TestRecord[];
  sweepBatches: ReadonlyMap<number, number>;
  openFailures: number;
  limits: SearchLimits;
}

/**
 * 0..1: the share of the pass's records that nothing doubts (neither suspected lost nor in a sweep's zone).
 */
export function confidenceOf(judgement: Judgement, records: readonly TestRecord[]): number {
  const total = records.length;
  if (total === 0) return 0;
  const doubted = judgement.lossSuspects.size + judgement.sweepZone.length;
  return Math.round(Math.max(0, 1 - doubted / total) * 100) / 100;
}

export function findingsOf(input: FindingsInput): Finding[] {
  const { judgement, records, limits } = input;
  const findings: Finding[] = [];
  if (input.stopReason !== null) findings.push({ kind: 'stopped-early', reason: input.stopReason });
  if (input.settled !== null) findings.push({ kind: 'settled', ...input.settled });
  findings.push(
    ...recheckFindings(input.earlierPasses, {
      budget: input.budget,
      bracket: judgement.bracket,
      records,
      lossSuspects: judgement.lossSuspects,
    }),
  );
  let unanswered = judgement.lossSuspects.size;
  if (judgement.sweepZone.length > 0) {
    const reported = reportedBracket(judgement, records, input.sweepBatches, limits);
    // Under a sweep, a death inside its zone is the sweep; only one below the zone was lost.
    unanswered = [...judgement.lossSuspects].filter(
      (o) => reported.loMs !== null && o.idleMs <= reported.loMs,
    ).length;
    findings.push({
      kind: 'sweep',
      ...sweepPeriod(judgement, records, input.sweepBatches, limits),
      fromMs: reported.loMs,
    });
  }
  if (unanswered > 0) findings.push({ kind: 'probe-loss', count: unanswered });
  if (judgement.mistimed.size > 0) {
    const strongMs = Math.min(...records.filter(isStrong).map((o) => o.idleMs));
    const pastMs = Math.max(...[...judgement.mistimed].map((o) => o.idleMs - strongMs));
    findings.push({ kind: 'mistimed', count: judgement.mistimed.size, pastMs });
  }
  if (input.openFailures > 0) findings.push({ kind: 'open-failures', count: input.openFailures });
  return findings;
}
