/**
 * One saved run in a few words, for the history listing and the comparison: when, from which
 * network (the public address the reflector saw), what it found, and what it recommended.
 */
import type { JsonReport } from '../report/report.js';

export interface RunSummary {
  /** ISO 8601; null for a report that does not say (made by an older idlescope). */
  startedAt: string | null;
  /** The public address most of its connections were seen from; null: not reported. */
  network: string | null;
  reflector: string;
  /** The timeout of the direction that dies first, the end of its bracket; null: none found. */
  timeoutS: number | null;
  /** "350 s (inbound, silent drop)", "no eviction up to 7440 s", "failed: IDLESCOPE_REFLECTOR_LOST". */
  result: string;
  /** "keepalive 240 s / 10 s × 3", "heartbeat 50 s", "none needed". */
  recommendation: string;
}

const short = (s: number): string => `${Number(s.toFixed(s < 100 ? 2 : 0))} s`;

const EVICTION_WORDS: Record<string, string> = {
  'silent-drop': 'silent drop',
  reset: 'reset',
  close: 'closed by a proxy',
};

function resultOf(report: JsonReport): string {
  const t = report.timeout;
  if (t !== null && t.evicted_s !== null) {
    const how = t.eviction === null ? '' : `, ${EVICTION_WORDS[t.eviction] ?? t.eviction}`;
    return `${short(t.evicted_s)} (${t.direction ?? '?'}${how})`;
  }
  if (report.error !== undefined) return `failed: ${report.error.code}`;
  const survived = Math.max(0, ...Object.values(report.directions).map((d) => d?.survived_s ?? 0));
  if (report.aborted !== null) return `stopped, no eviction up to ${short(survived)}`;
  return `no eviction up to ${short(survived)}`;
}

function recommendationOf(report: JsonReport): string {
  const r = report.recommendation;
  if (!r.tcp_keepalive_helps && r.heartbeat_s !== null) return `heartbeat ${short(r.heartbeat_s)}`;
  if (r.keepalive_idle_s !== null && r.keepalive_interval_s !== null && r.keepalive_count !== null)
    return `keepalive ${short(r.keepalive_idle_s)} / ${short(r.keepalive_interval_s)} × ${r.keepalive_count}`;
  return 'none needed';
}

export function summarizeRun(report: JsonReport): RunSummary {
  const t = report.timeout;
  return {
    startedAt: report.started_at,
    network: report.nat?.public_addresses[0]?.address ?? null,
    reflector: report.reflector,
    timeoutS: t !== null && t.evicted_s !== null ? t.evicted_s : null,
    result: resultOf(report),
    recommendation: recommendationOf(report),
  };
}
