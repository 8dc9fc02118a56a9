/**
 * The full-table re-check. A middlebox with a full table evicts the least recently used mappings
 * to make room, so a tool holding many connections can cause the eviction it measures. Its
 * victims are connections that sat untouched since they were opened; a connection just tested is
 * safe for a while. Probe loss strikes first tests and later ones alike. So: first tests going
 * unanswered at idles others survived, far more often than later tests do, or nothing surviving
 * at all, call for another pass with few connections (16, then 4 if that still overflows), and
 * the findings say how the passes differ.
 *
 * Pure: the decisions are functions of the pass's evidence; `planRecheck` returns the next pass.
 */
import type { Bracket } from './bracket.js';
import type { OpeningWave } from './clock-pool.js';
import { frontierFor, type Frontier } from './frontier.js';
import {
  firstTestsPValue,
  testCount,
  unansweredCount,
  unansweredShare,
  type TestRecord,
  type UnansweredCount,
} from './pass-record.js';
import { fewerFailuresPValue } from './statistics.js';
import type { EarlierPassFigures, Finding, LastPassFigures, Observation, SearchLimits } from './types.js';
import { stepMs, VERIFY_WATCH_FRACTION } from './verification.js';

/**
 * A pass is re-checked when its first tests went unanswered at least this many times, and more
 * often than its later tests by more than chance allows (this p-value, one-sided).
 */
const RECHECK_MIN_CONTRADICTED = 4;
const RECHECK_P_VALUE = 0.01;

/**
 * Weaker evidence of the same (this p-value) is enough when many tests went unanswered (this
 * share): a full table's victims are not all first tests (a tested connection that sits idle long
 * becomes the least recently used again), and a wrong answer costs more than a re-check.
 */
const RECHECK_SUSPECT_P_VALUE = 0.05;
const RECHECK_SUSPECT_UNANSWERED_SHARE = 0.05;

/**
 * So many tests unanswered (this share) that the pass is re-checked whatever struck them: heavy
 * loss on the path, or a table so small that it evicts everything, which few connections tell apart.
 */
const RECHECK_HEAVY_UNANSWERED_SHARE = 0.25;

/** A re-check losing this share of its tests is re-checked again, with fewer connections. */
const RECHECK_STILL_FULL_UNANSWERED_SHARE = 0.1;

/** Evidence of a full table strong enough to re-check at once, before the pass ends (`fullTableEvident`). */
const EARLY_RECHECK_MIN_CONTRADICTED = 8;
const EARLY_RECHECK_P_VALUE = 1e-4;
/**
 * Or weaker odds (this p-value) with a full table's signature: this share of the first tests
 * unanswered. A full table's victims are the connections left untouched since they opened, so
 * it takes first tests by the score (45% of them with 256 connections in a table of 64), while
 * probe loss takes about its rate of every test. Measured on the simulated clock: with a table of
 * 64 (RTT 62 ms, the slowest of the bench's 20) the re-check began at about 30 s instead of about
 * 60 s. Loss of 2%, 5% and 10% ran exactly as before (seeds 1-20 and 101-200, one and both
 * directions); 20% loss with both directions sometimes looks like this too (mean 5.25 -> 5.44 x T
 * over 100 seeds, and 181 of 200 truths inside instead of 182). A share of 30% set it off more.
 */
const EARLY_RECHECK_SIGNATURE_P_VALUE = 1e-2;
const EARLY_RECHECK_SIGNATURE_SHARE = 0.4;

/** A full table is named when a re-check fails less often than the first pass's first tests (p-value). */
const PRESSURE_P_VALUE = 0.05;

/**
 * Re-checks hold this many connections, each only if the pass before it held more and still
 * looked like a full table: 16 is few enough for most tables, 4 for nearly any.
 */
const RECHECK_BUDGETS = [16, 4] as const;

/** What the re-check decisions need to know of a pass. */
export interface PassEvidence {
  budget: number;
  bracket: Bracket;
  records: readonly TestRecord[];
  /** The pass's tests suspected lost (`Judgement.lossSuspects`). */
  lossSuspects: ReadonlySet<Observation>;
  /** A probe is under way. */
  pending: boolean;
  /** This pass is itself a re-check. */
  rechecked: boolean;
}

/** A pass that was re-checked, as the re-check compares it. */
export interface PassSummary {
  budget: number;
  survivedMs: number | null;
  evictedMs: number | null;
  /** Its connections' first tests, and how many of them went unanswered. */
  firstTests: UnansweredCount;
  /** How unlikely its first tests' losses were, had they struck like the later ones (Fisher). */
  triggerPValue: number;
  /** Cut short by another direction's re-check (shared-table.ts), not by its own evidence. */
  shared: boolean;
}

/** The next pass: its budget, its frontier (where it starts, and climbs finely), its opening waves. */
export interface RecheckPlan {
  summary: PassSummary;
  budget: number;
  frontier: Frontier;
  openingWaves: OpeningWave[];
}

/**
 * The budget of the next re-check, or null when there is none left: 16 connections first, and
 * 4 if a table is so small that 16 still overflow it (two directions searched at once fill it
 * twice as fast).
 */
export function recheckBudget(budget: number): number | null {
  const next = RECHECK_BUDGETS.find((b) => b < budget);
  return next === undefined ? null : next;
}

/**
 * A full table so plain that the pass need not finish: its answers are suspect anyway, and
 * finishing it before the re-check costs about 2 T. Asked at every decision, so each look's false
 * alarms add up: the bar is far higher than at the end of a pass (`shouldRecheck`), or it is the
 * same p-value with a full table's signature as well (EARLY_RECHECK_SIGNATURE_SHARE).
 */
export function fullTableEvident(e: PassEvidence): boolean {
  if (recheckBudget(e.budget) === null || e.pending) return false;
  const first = unansweredCount(e.records, e.lossSuspects, true);
  if (first.unanswered < EARLY_RECHECK_MIN_CONTRADICTED) return false;
  const pValue = firstTestsPValue(e.records, e.lossSuspects);
  return (
    pValue < EARLY_RECHECK_P_VALUE ||
    (pValue < EARLY_RECHECK_SIGNATURE_P_VALUE &&
      first.unanswered >= EARLY_RECHECK_SIGNATURE_SHARE * first.tests)
  );
}

/** Whether the pass that just ended calls for a re-check with fewer connections (see the header). */
export function shouldRecheck(e: PassEvidence): boolean {
  if (recheckBudget(e.budget) === null) return false;
  if (e.bracket.loMs === null && e.bracket.hiMs !== null) return true;
  const first = unansweredCount(e.records, e.lossSuspects, true);
  const later = unansweredCount(e.records, e.lossSuspects, false);
  if (first.unanswered < RECHECK_MIN_CONTRADICTED) return false;
  const pValue = firstTestsPValue(e.records, e.lossSuspects);
  const share = (first.unanswered + later.unanswered) / Math.max(1, first.tests + later.tests);
  // A table far too small strikes first and later tests alike: it shows as heavy loss instead.
  if (share >= RECHECK_HEAVY_UNANSWERED_SHARE) return true;
  // A re-check (started because a table looked full) that still loses this many still overflows
  // it: two directions re-checking at 16 each fill a table of 32.
  if (e.rechecked && share >= RECHECK_STILL_FULL_UNANSWERED_SHARE) return true;
  return (
    pValue < RECHECK_P_VALUE ||
    (pValue < RECHECK_SUSPECT_P_VALUE && share >= RECHECK_SUSPECT_UNANSWERED_SHARE)
  );
}

/**
 * A re-check with few connections, planned around what the pass proved. Every survival is proof
 * (nothing fakes an answer), so the frontier starts just below the longest one and climbs one
 * resolution at a time through the pass's bracket: if that bracket was right, the first eviction
 * lands within the resolution, at about T after the start. The connections open in three waves,
 * one verification watch apart, so that fresh clocks cross the bracket again for the
 * verification batches instead of waiting a whole T for recycled ones.
 *
 *   time ──►  start      +W       +2W            start+T
 *   wave 1    ●●●●●●●● ─────────────────────────  ✓✓✗   the ladder through the bracket
 *   wave 2               ●●●● ─────────────────────  ✓✗  verification, batch 1
 *   wave 3                       ●●●● ───────────────  ✓✗ verification, batch 2
 */
export function planRecheck(
  e: PassEvidence,
  limits: SearchLimits,
  nowMs: number,
  sharedBudget?: number,
): RecheckPlan {
  const { bracket } = e;
  const summary: PassSummary = {
    budget: e.budget,
    survivedMs: bracket.loMs,
    evictedMs: bracket.hiMs,
    firstTests: unansweredCount(e.records, e.lossSuspects, true),
    triggerPValue: firstTestsPValue(e.records, e.lossSuspects),
    shared: sharedBudget !== undefined,
  };
  const provenMs = Math.max(limits.minMs, ...e.records.filter((o) => o.survived).map((o) => o.idleMs));
  const resolutionMs = limits.resolutionMs(provenMs);
  const expectedMs = Math.max(provenMs, bracket.hiMs ?? provenMs);
  // Another direction's re-check sets the budget where the table is shared (shared-table.ts).
  const budget = sharedBudget ?? recheckBudget(e.budget) ?? e.budget;
  // A little over the watch, so that the verification batches the waves serve span it.
  const waveGapMs =
    1.25 * Math.max(stepMs(limits.resolutionMs, expectedMs), VERIFY_WATCH_FRACTION * expectedMs);
  return {
    summary,
    budget,
    frontier: frontierFor(
      budget,
      Math.max(limits.minMs, provenMs - resolutionMs),
      expectedMs + 2 * resolutionMs,
    ),
    openingWaves: [
      { atMs: nowMs, upTo: Math.ceil(budget / 2) },
      { atMs: nowMs + waveGapMs, upTo: Math.ceil((3 * budget) / 4) },
      { atMs: nowMs + 2 * waveGapMs, upTo: budget },
    ],
  };
}

/** The last pass, as the re-check findings compare it. */
export interface LastPass {
  budget: number;
  bracket: Bracket;
  records: readonly TestRecord[];
  lossSuspects: ReadonlySet<Observation>;
}

function earlierFigures(earlier: PassSummary): EarlierPassFigures {
  const { tests, unanswered } = earlier.firstTests;
  return {
    budget: earlier.budget,
    survivedMs: earlier.survivedMs,
    evictedMs: earlier.evictedMs,
    firstTestsUnansweredShare: tests === 0 ? 0 : unanswered / tests,
  };
}

function lastFigures(now: LastPass): LastPassFigures {
  return {
    budget: now.budget,
    survivedMs: now.bracket.loMs,
    evictedMs: now.bracket.hiMs,
    unansweredShare: unansweredShare(now.records, now.lossSuspects),
    tests: testCount(now.records),
  };
}

/**
 * What the re-check with few connections says of one earlier pass. Loss on the path does not care
 * how many connections are open; a full table does: it struck the earlier pass's untouched
 * connections, and with few connections it should strike nothing. Too few tests to tell is said
 * as such.
 */
function recheckVerdict(earlier: PassSummary, now: LastPass): Finding {
  const testsNow = testCount(now.records);
  const unansweredNow = now.lossSuspects.size;
  const figures = { earlier: earlierFigures(earlier), now: lastFigures(now) };
  const fewerNow =
    fewerFailuresPValue(earlier.firstTests.unanswered, earlier.firstTests.tests, unansweredNow, testsNow) <
    PRESSURE_P_VALUE;
  // Survivals are proof: a re-check that survived past the earlier pass's eviction moved the answer.
  const answerMoved =
    (earlier.survivedMs === null && now.bracket.loMs !== null) ||
    (earlier.evictedMs !== null && now.bracket.loMs !== null && now.bracket.loMs >= earlier.evictedMs);
  // First tests failing far beyond chance, and not one failure with few connections: a full table.
  const clearedNow = earlier.triggerPValue < RECHECK_P_VALUE && unansweredNow === 0 && testsNow > 0;
  if (answerMoved || fewerNow || clearedNow)
    return { kind: 'table-depends', earlier: [figures.earlier], now: figures.now };
  // Cut short by the other direction's full table, with nothing of its own to compare.
  if (earlier.shared) return { kind: 'recheck-shared', ...figures };
  if (figures.now.unansweredShare >= figures.earlier.firstTestsUnansweredShare / 2)
    return { kind: 'recheck-loss', ...figures };
  return { kind: 'recheck-same', ...figures };
}

/** One finding per re-check, or one for the chain when every re-check found the same: a full table. */
export function recheckFindings(earlierPasses: readonly PassSummary[], now: LastPass): Finding[] {
  const verdicts = earlierPasses.map((earlier) => recheckVerdict(earlier, now));
  if (verdicts.length < 2 || !verdicts.every((v) => v.kind === 'table-depends')) return verdicts;
  return [{ kind: 'table-depends', earlier: earlierPasses.map(earlierFigures), now: lastFigures(now) }];
}
