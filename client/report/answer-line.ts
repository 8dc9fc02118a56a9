/**
 * The report's answer in one sentence, the first thing both the text report and the HTML page
 * show:
 *
 *   Idle connections die after 349.5-350.4 s (inbound, silent drop): use TCP keepalive idle 245 s,
 *   interval 34 s, count 3 (verified on this path)
 *
 * Pure, and read from the JSON document alone, so a saved run of any age words its answer the same
 * as the run that made it. It says only what the report below it says: the bracket of the direction
 * that dies first, the recommendation, and whether the verification proved it.
 */
import type { EvictionKind } from '../search/types.js';
import type { JsonReport } from './report.js';
import type { JsonSettingVerification } from './verification-report.js';
import { duration, preciseSeconds } from './format.js';

const EVICTION_WORDS: Record<EvictionKind, string> = {
  'silent-drop': 'silent drop',
  reset: 'reset',
  close: 'closed by a proxy',
};

const ms = (s: number): number => s * 1000;

function whenTheyDie(survivedS: number | null, evictedS: number): string {
  if (survivedS === null) return `in under ${preciseSeconds(ms(evictedS))}`;
  // A narrow bracket reads as one value ("349.5-350.4 s"); a wide one as the range it is.
  if (evictedS - survivedS <= Math.max(1, 0.02 * evictedS)) {
    return `after ${preciseSeconds(ms(survivedS)).replace(/ s$/, '')}-${preciseSeconds(ms(evictedS))}`;
  }
  return `after more than ${preciseSeconds(ms(survivedS))}, at most ${preciseSeconds(ms(evictedS))}`;
}

function proof(setting: JsonSettingVerification | null | undefined): string {
  const verdict = setting?.verdict;
  switch (verdict) {
    case undefined:
      return '';
    case 'proven':
      return ' (verified on this path)';
    case 'failed':
      return ' (FAILED on this path: see below)';
    case 'inconclusive':
      return ' (not proven on this path: see below)';
    default: {
      const never: never = verdict;
      throw new Error(`unknown verdict ${String(never)}`);
    }
  }
}

function advice(report: JsonReport): string {
  const rec = report.recommendation;
  const { keepalive_idle_s: idle, keepalive_interval_s: interval, keepalive_count: count } = rec;
  if (idle === null || interval === null || count === null) {
    return 'no keepalive is needed to keep this path open';
  }
  if (!rec.tcp_keepalive_helps) {
    return (
      `use an application heartbeat every ${rec.heartbeat_s} s (TCP keepalive does not help here)` +
      proof(report.verification?.heartbeat)
    );
  }
  return (
    `use TCP keepalive idle ${idle} s, interval ${interval} s, count ${count}` +
    proof(report.verification?.keepalive)
  );
}

/** The report's answer in one sentence, without a trailing newline. */
export function answerLine(report: JsonReport): string {
  const { timeout } = report;
  if (timeout !== null && timeout.evicted_s !== null) {
    const how = timeout.eviction === null ? '' : `, ${EVICTION_WORDS[timeout.eviction]}`;
    return (
      `Idle connections die ${whenTheyDie(timeout.survived_s, timeout.evicted_s)} ` +
      `(${timeout.direction ?? 'a direction'}${how}): ${advice(report)}` +
      (report.aborted === null ? '' : ' [partial result]')
    );
  }
  if (report.error !== undefined && report.connections_used === 0) {
    return `No answer: the run failed: ${report.error.message}`;
  }
  if (report.aborted !== null) {
    return (
      `No answer yet: the run ended after ${duration(ms(report.elapsed_s))} (${report.aborted}), ` +
      'before any eviction'
    );
  }
  if (report.recommendation.basis === 'no-eviction-up-to-max') {
    const survived = Math.max(0, ...Object.values(report.directions).map((d) => d?.survived_s ?? 0));
    return `No idle timeout up to ${duration(ms(survived))}: ${advice(report)}`;
  }
  return 'No answer: nothing was measured';
}
