/**
 * Issue 11's capacity targets, checked against a run: 15,000 idle connections under 150 MiB of
 * reflector RSS; event-loop lag p99 under 20 ms during the 1,000-push burst (alone, and beside the
 * flood, where today's reflector is expected to miss it); an honest discovery beside the flood with
 * the same bracket and at most 10% slower than alone. Pure: a function of the report.
 */
import type { Direction } from '../../client/search/types.js';
import type { CapacityReport } from './capacity-run.js';
import type { Bracket, HonestResult } from './honest-client.js';

export const TARGET_CONNECTIONS = 15_000;
export const TARGET_RSS_BYTES = 150 * 1024 * 1024;
export const TARGET_LAG_P99_MS = 20;
/** Beside the flood, the honest run may take at most this much longer than alone. */
export const TARGET_HONEST_SLOWDOWN = 1.1;

export type TargetName = 'idle-rss' | 'burst-lag' | 'burst-lag-beside-flood' | 'honest-beside-flood';

export interface TargetCheck {
  name: TargetName;
  /** The target in words, as the table prints it. */
  target: string;
  /** The figure compared (bytes, ms, or the wall-time ratio); null when there was none. */
  value: number | null;
  limit: number;
  /** True when the figure is not measured at the target's scale but projected to it. */
  projected: boolean;
  pass: boolean;
}

/**
 * Two brackets are the same when both runs evicted (or both did not) and their intervals
 * (survived, evicted] overlap: each is then consistent with the other's timeout.
 */
export function sameBracket(a: Bracket | null, b: Bracket | null): boolean {
  if (a === null || b === null) return a === b;
  if ((a.evictedS === null) !== (b.evictedS === null)) return false;
  const low = Math.max(a.survivedS ?? 0, b.survivedS ?? 0);
  const high = Math.min(a.evictedS ?? Infinity, b.evictedS ?? Infinity);
  return low < high;
}

function honestUnaffected(
  alone: HonestResult,
  beside: HonestResult,
): { ratio: number | null; pass: boolean } {
  const directions: Direction[] = ['inbound', 'outbound'];
  const brackets = directions.every((d) => sameBracket(alone.brackets[d], beside.brackets[d]));
  const ratio = alone.wallMs > 0 ? Math.round((beside.wallMs / alone.wallMs) * 100) / 100 : null;
  const complete = alone.end === 'complete' && beside.end === 'complete';
  return { ratio, pass: complete && brackets && ratio !== null && ratio <= TARGET_HONEST_SLOWDOWN };
}

export function checkTargets(report: Omit<CapacityReport, 'targets'>): TargetCheck[] {
  const { idle } = report;
  const measuredAtScale = idle.held >= TARGET_CONNECTIONS;
  const rss = measuredAtScale
    ? idle.after.rss
    : idle.rssPerConnBytes === null
      ? null
      : idle.before.rss + TARGET_CONNECTIONS * idle.rssPerConnBytes;
  const honest = honestUnaffected(report.honest.alone, report.honest.besideFlood);
  const lag = (p99Ms: number): boolean => p99Ms < TARGET_LAG_P99_MS;
  return [
    {
      name: 'idle-rss',
      target: `${TARGET_CONNECTIONS} idle under ${TARGET_RSS_BYTES / 1024 / 1024} MiB RSS`,
      value: rss,
      limit: TARGET_RSS_BYTES,
      projected: !measuredAtScale,
      pass: rss !== null && rss < TARGET_RSS_BYTES,
    },
    {
      name: 'burst-lag',
      target: `lag p99 under ${TARGET_LAG_P99_MS} ms`,
      value: report.burst.lag.p99Ms,
      limit: TARGET_LAG_P99_MS,
      projected: false,
      pass: lag(report.burst.lag.p99Ms),
    },
    {
      name: 'burst-lag-beside-flood',
      target: `lag p99 under ${TARGET_LAG_P99_MS} ms`,
      value: report.burstBesideFlood.lag.p99Ms,
      limit: TARGET_LAG_P99_MS,
      projected: false,
      pass: lag(report.burstBesideFlood.lag.p99Ms),
    },
    {
      name: 'honest-beside-flood',
      target: `same bracket, at most ${Math.round((TARGET_HONEST_SLOWDOWN - 1) * 100)}% slower`,
      value: honest.ratio,
      limit: TARGET_HONEST_SLOWDOWN,
      projected: false,
      pass: honest.pass,
    },
  ];
}
