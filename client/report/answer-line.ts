/**
 * The human report's first line: the answer, in one sentence, before any detail.
 *
 *   Idle connections die after 349.5-350.5 s (inbound, silent drop): use TCP keepalive idle 240 s,
 *   interval 10 s, count 3 (verified on this path)
 *
 * Pure. It says only what the report below it says: the bracket of the direction that dies first
 * and the recommendation, with whether the verification proved it.
 */
import type { Direction, DirectionResult, EvictionKind } from '../search/types.js';
import type { VerificationResult } from '../verification/verification-run.js';
import type { Recommendation } from './recommendation.js';
import { duration, preciseSeconds } from './format.js';

const EVICTION_WORDS: Record<EvictionKind, string> = {
  'silent-drop': 'silent drop',
  reset: 'reset',
  close: 'closed by a proxy',
};

function whenTheyDie(result: DirectionResult): string {
  const evictedMs = result.evictedMs ?? 0;
  if (result.survivedMs === null) return `in under ${preciseSeconds(evictedMs)}`;
  // A narrow bracket reads as one value ("about 350 s"); a wide one as the range it is.
  const width = evictedMs - result.survivedMs;
  if (width <= Math.max(1000, 0.02 * evictedMs)) {
    return `after ${preciseSeconds(result.survivedMs).replace(/ s$/, '')}-${preciseSeconds(evictedMs)}`;
  }
  return `after more than ${preciseSeconds(result.survivedMs)}, at most ${preciseSeconds(evictedMs)}`;
}

function proof(verification: VerificationResult | null, kind: 'keepalive' | 'heartbeat'): string {
  const verdict = verification?.[kind]?.verdict;
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

function advice(rec: Recommendation, verification: VerificationResult | null): string {
  if (rec.keepaliveIdleS === null || rec.keepaliveIntervalS === null || rec.keepaliveCount === null) {
    return 'no keepalive is needed to keep this path open';
  }
  if (!rec.tcpKeepaliveHelps) {
    return (
      `use an application heartbeat every ${rec.heartbeatS} s (TCP keepalive does not help here)` +
      proof(verification, 'heartbeat')
    );
  }
  return (
    `use TCP keepalive idle ${rec.keepaliveIdleS} s, interval ${rec.keepaliveIntervalS} s, ` +
    `count ${rec.keepaliveCount}${proof(verification, 'keepalive')}`
  );
}

/** What the answer line needs from the report. */
export interface AnswerInput {
  limiting: { direction: Direction; result: DirectionResult } | null;
  recommendation: Recommendation;
  verification: VerificationResult | null;
  aborted: string | null;
  elapsedMs: number;
}

/** The report's answer in one sentence, without a trailing newline. */
export function answerLine(input: AnswerInput): string {
  const { limiting, recommendation: rec } = input;
  const evicted = limiting !== null && limiting.result.evictedMs !== null;
  if (!evicted) {
    if (rec.basis === 'no-eviction-up-to-max' && rec.basedOnS !== null) {
      return `No idle timeout up to ${duration(rec.basedOnS * 1000)}: ${advice(rec, input.verification)}`;
    }
    return input.aborted === null
      ? 'No answer: nothing was measured'
      : `No answer yet: the run ended after ${duration(input.elapsedMs)} (${input.aborted}), ` +
          'before any eviction';
  }
  const how = limiting.result.eviction === null ? '' : `, ${EVICTION_WORDS[limiting.result.eviction]}`;
  return (
    `Idle connections die ${whenTheyDie(limiting.result)} (${limiting.direction}${how}): ` +
    advice(rec, input.verification) +
    (input.aborted === null ? '' : ' [partial result]')
  );
}
