/**
 * The report's answer in one line, from its JSON alone: how long idle connections live and what
 * to set, the first thing the page shows. Saved runs of any age render the same.
 */
import type { JsonReport } from '../report.js';
import { seconds } from './html-text.js';

const EVICTION_WORDS: Record<string, string> = {
  'silent-drop': 'silent drop',
  reset: 'reset',
  close: 'closed by a proxy',
};

function advice(report: JsonReport): string {
  const rec = report.recommendation;
  if (!rec.tcp_keepalive_helps && rec.heartbeat_s !== null)
    return `send an application heartbeat every ${seconds(rec.heartbeat_s)} (TCP keepalive does not help)`;
  const { keepalive_idle_s: idle, keepalive_interval_s: interval, keepalive_count: count } = rec;
  if (idle === null || interval === null || count === null) return 'no keepalive is needed';
  return `use TCP keepalive idle ${seconds(idle)}, interval ${seconds(interval)}, count ${count}`;
}

export function answerLine(report: JsonReport): string {
  const timeout = report.timeout;
  if (timeout !== null && timeout.evicted_s !== null) {
    const kind = timeout.eviction === null ? '' : `, ${EVICTION_WORDS[timeout.eviction] ?? timeout.eviction}`;
    const between =
      timeout.survived_s === null
        ? ''
        : ` (between ${seconds(timeout.survived_s)} and ${seconds(timeout.evicted_s)})`;
    const where = `${timeout.direction ?? 'a direction'}${kind}`;
    return `Idle connections die after ${seconds(timeout.evicted_s)}${between}, ${where}: ${advice(report)}.`;
  }
  if (report.error !== undefined && report.connections_used === 0)
    return `The run failed: ${report.error.message}.`;
  const survived = Math.max(...Object.values(report.directions).map((d) => d?.survived_s ?? 0), 0);
  if (report.aborted !== null)
    return (
      `Stopped before any eviction (${report.aborted}); idle connections survived up to ` +
      `${seconds(survived)} so far.`
    );
  return (
    `No idle timeout found: idle connections survived ${seconds(survived)}, the longest tested; ` +
    `${advice(report)}.`
  );
}
