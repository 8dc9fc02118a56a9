/**
 * This run against earlier ones from the same network (the same public address as the reflector
 * saw it): "last week 350 s, now 300 s (50 s shorter)", then the earlier runs one per line. Pure:
 * the runs and the time in, sentences out.
 */
import type { JsonReport } from '../report/report.js';
import { summarizeRun, type RunSummary } from './run-summary.js';

/** Earlier runs listed under the comparison, at most. */
export const EARLIER_RUNS_SHOWN = 5;

const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "earlier today", "yesterday", "3 days ago", "last week", "2 months ago". */
export function relativeTime(then: Date, now: Date): string {
  const s = (now.getTime() - then.getTime()) / 1000;
  if (s < 86_400) {
    if (s < 3600) return RELATIVE.format(-Math.max(1, Math.round(s / 60)), 'minute');
    return RELATIVE.format(-Math.round(s / 3600), 'hour');
  }
  const days = Math.round(s / 86_400);
  if (days < 7) return RELATIVE.format(-days, 'day');
  if (days < 30) return RELATIVE.format(-Math.round(days / 7), 'week');
  if (days < 365) return RELATIVE.format(-Math.round(days / 30), 'month');
  return RELATIVE.format(-Math.round(days / 365), 'year');
}

const short = (s: number): string => `${Number(s.toFixed(s < 100 ? 2 : 0))} s`;

function value(run: RunSummary): string {
  return run.timeoutS === null ? run.result : short(run.timeoutS);
}

function change(earlier: RunSummary, current: RunSummary): string {
  if (earlier.timeoutS === null || current.timeoutS === null) return '';
  const d = current.timeoutS - earlier.timeoutS;
  // Within a second, or 1%, is the same answer: a bracket is about that wide.
  if (Math.abs(d) <= Math.max(1, 0.01 * earlier.timeoutS)) return ' (the same)';
  return ` (${short(Math.abs(d))} ${d < 0 ? 'shorter' : 'longer'})`;
}

/**
 * Sentences comparing `current` with the earlier runs of the same network; empty when it has no
 * network (the reflector did not say) or none matches.
 */
export function compareWithHistory(current: JsonReport, earlier: readonly JsonReport[], now: Date): string[] {
  const run = summarizeRun(current);
  if (run.network === null) return [];
  const same = earlier
    .map(summarizeRun)
    .filter((r) => r.network === run.network && r.startedAt !== null && r.startedAt !== run.startedAt)
    .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
  const last = same[0];
  if (last === undefined) return [];
  const when = (r: RunSummary): string => relativeTime(new Date(r.startedAt ?? 0), now);
  const lines = [
    `From this network (${run.network}) ${same.length === 1 ? 'once' : `${same.length} times`} before: ` +
      `${when(last)} ${value(last)}, now ${value(run)}${change(last, run)}.`,
  ];
  for (const r of same.slice(0, EARLIER_RUNS_SHOWN)) {
    lines.push(
      `${r.startedAt?.slice(0, 16).replace('T', ' ') ?? '?'} (${when(r)}): ${r.result}, ` +
        `${r.recommendation}; via ${r.reflector}`,
    );
  }
  return lines;
}
