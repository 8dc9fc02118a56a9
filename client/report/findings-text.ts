/**
 * The search's findings in words: one sentence per finding, as the text report, the JSON report's
 * `notes` and the bench print them. The search returns findings as data (client/search/types.ts);
 * only this module words them.
 */
import { roundSeconds } from './format.js';
import type {
  DirectionResult,
  EarlierPassFigures,
  Finding,
  LastPassFigures,
  StopReason,
} from '../search/types.js';

const range = (lo: number | null, hi: number | null): string =>
  `${lo === null ? '—' : roundSeconds(lo)} to ${hi === null ? '—' : roundSeconds(hi)}`;

const percent = (share: number): string => `${Math.round(share * 100)}%`;

function stopReasonText(reason: StopReason): string {
  switch (reason.kind) {
    case 'unsettled':
      return `gave up after ${Math.round(reason.afterMs / 1000)} s: the observations do not settle`;
    case 'aborted':
      return reason.message;
    default: {
      const never: never = reason;
      throw new Error(`unknown stop reason ${String(never)}`);
    }
  }
}

function earlierPart(e: EarlierPassFigures): string {
  const share = percent(e.firstTestsUnansweredShare);
  const bracket = range(e.survivedMs, e.evictedMs);
  return `${bracket} with ${share} of first tests evicted early at ${e.budget} connections`;
}

function nowPart(n: LastPassFigures): string {
  const share = percent(n.unansweredShare);
  return `${range(n.survivedMs, n.evictedMs)} with ${share} of ${n.tests} tests at ${n.budget}`;
}

/** The earlier passes against the last: "A, vs N" for one, "A; B; vs N" for a chain. */
function comparison(earlier: readonly EarlierPassFigures[], now: LastPassFigures): string {
  const parts = earlier.map(earlierPart);
  return parts.length === 1 ? `${parts[0]}, vs ${nowPart(now)}` : `${parts.join('; ')}; vs ${nowPart(now)}`;
}

function recheckedBecause(earlier: EarlierPassFigures, now: LastPassFigures): string {
  return (
    `re-checked with ${now.budget} connections ` +
    `because tests at ${earlier.budget} went unanswered too often ` +
    `(first tests more than later ones, or a quarter of all)`
  );
}

function sweepGranularity(f: Extract<Finding, { kind: 'sweep' }>): string {
  if (f.movedMs === null || f.gapMs === null)
    return `sweep granularity about ${roundSeconds(f.granularityMs)}`;
  const atMost = f.atMostMs === null ? '' : `, at most ${roundSeconds(f.atMostMs)}`;
  return (
    `sweep granularity about ${roundSeconds(f.granularityMs)}${atMost}: the boundary was seen to move ` +
    `${roundSeconds(f.movedMs)} between batches up to ${roundSeconds(f.gapMs)} apart`
  );
}

/** One finding in words. */
export function findingText(f: Finding): string {
  switch (f.kind) {
    case 'stopped-early':
      return `stopped early: ${stopReasonText(f.reason)}`;
    case 'table-depends': {
      const budgets = f.earlier.map((e) => e.budget).join(', ');
      return (
        `evictions depend on the number of open connections: ` +
        `results at ${budgets} and ${f.now.budget} connections differ (${comparison(f.earlier, f.now)}); ` +
        `a full connection table evicts the oldest idle mappings to make room, ` +
        `so keep the number of connections through this middlebox low, ` +
        `and the result at ${f.now.budget} connections is reported`
      );
    }
    case 'recheck-loss':
      return (
        `${recheckedBecause(f.earlier, f.now)}: ` +
        `the same happens with few connections (${comparison([f.earlier], f.now)}), ` +
        `so it is loss on the path, not a full table`
      );
    case 'recheck-same':
      return (
        `${recheckedBecause(f.earlier, f.now)}: ` +
        `the answer is the same with few connections (${comparison([f.earlier], f.now)}), ` +
        `so it does not depend on the number of connections; ` +
        `too few tests to tell whether the unanswered ones were lost on the path or evicted by a full table`
      );
    case 'recheck-shared':
      return (
        `re-checked with ${f.now.budget} connections together with the other direction, whose tests ` +
        `suggested a full connection table, which the directions share ` +
        `(${comparison([f.earlier], f.now)}); the result at ${f.now.budget} connections is reported`
      );
    case 'sweep':
      return (
        `evictions are not sharp: at each instant the boundary is sharp, ` +
        `but it moves (${sweepGranularity(f)}), as with a periodic sweep; ` +
        `the bracket ${f.fromMs === null ? '' : `from ${roundSeconds(f.fromMs)} `}covers the whole zone`
      );
    case 'probe-loss':
      return (
        `${f.count} test(s) went unanswered at idles that other connections survived: ` +
        `probe loss, set aside and re-tested`
      );
    case 'mistimed':
      return (
        `${f.count} test(s) survived up to ${Math.ceil(f.pastMs)} ms past the idle ` +
        `at which the middlebox reset or closed another connection: ` +
        `this machine's timing, set aside; the bounds are good to about that`
      );
    case 'open-failures':
      return `${f.count} probe connection(s) failed to open`;
    case 'settled':
      return (
        `searched to ${f.searchedToMs === null ? 'nothing' : roundSeconds(f.searchedToMs)}, not complete: ` +
        `the ${f.by} direction dies first and sets the recommendation, and this one survived past its ` +
        `bracket (--full follows every direction to --max)`
      );
    default: {
      const never: never = f;
      throw new Error(`unknown finding ${String(never)}`);
    }
  }
}

/** Every note on a direction's result, in words: its findings, then the notes its driver added. */
export function resultNotes(result: DirectionResult): string[] {
  return [...result.findings.map(findingText), ...result.notes];
}
