/**
 * The live view's model: what the run shows while it runs, computed from the discovery's progress
 * snapshots alone (one a second). Pure: the snapshots carry their own clock.
 *
 * Remaining time is honest from the first moment. Once a direction has an eviction, the search's
 * own estimate applies. Before that, nothing can end a direction before its oldest connection has
 * been idle for --max and its test answered, so the remaining time is "up to" --max minus the
 * frontier's idle so far, plus the grace; the first eviction usually ends it much sooner.
 */
import type { DiscoveryProgress } from '../../discovery/discovery-run.js';
import type { Direction, SearchProgress } from '../../search/types.js';
import { preciseSeconds } from '../../report/format.js';

export interface LiveSettings {
  /** --max, ms. */
  maxMs: number;
  /** How long a test's answer is waited for, ms. */
  graceMs: number;
}

/**
 * Something that happened, worth a line: an eviction, a longer survival, a full-table re-check
 * begun (or a finished direction reopened for one, beside the other direction's), a direction done.
 */
export interface LiveEvent {
  elapsedMs: number;
  direction: Direction;
  kind: 'survived' | 'evicted' | 'recheck' | 'done';
  text: string;
}

/** Events kept for the view (the most recent last). */
export const RECENT_EVENTS = 3;

export interface LiveState {
  /** The last snapshot seen per direction, to tell what changed. */
  last: ReadonlyMap<Direction, SearchProgress>;
  recent: readonly LiveEvent[];
}

export const INITIAL_LIVE_STATE: LiveState = { last: new Map(), recent: [] };

/** The events between the previous snapshot of a direction and this one. */
export function eventsBetween(
  previous: SearchProgress | undefined,
  now: SearchProgress,
  elapsedMs: number,
): LiveEvent[] {
  const events: LiveEvent[] = [];
  const { direction } = now;
  if (now.evictedMs !== null && (previous?.evictedMs ?? Number.POSITIVE_INFINITY) > now.evictedMs) {
    events.push({
      elapsedMs,
      direction,
      kind: 'evicted',
      text: `evicted at ${preciseSeconds(now.evictedMs)} idle`,
    });
  }
  if (now.survivedMs !== null && (previous?.survivedMs ?? Number.NEGATIVE_INFINITY) < now.survivedMs) {
    events.push({
      elapsedMs,
      direction,
      kind: 'survived',
      text: `survived ${preciseSeconds(now.survivedMs)} idle`,
    });
  }
  if (previous?.finished === true && !now.finished) {
    events.push({
      elapsedMs,
      direction,
      kind: 'recheck',
      text: "reopened: re-checking with as few connections as the other direction's re-check",
    });
  } else if (now.recheck === true && !now.finished && (previous?.recheck !== true || fewer(previous, now))) {
    const holding = now.budget === undefined ? 'fewer connections' : `${now.budget} connections`;
    events.push({
      elapsedMs,
      direction,
      kind: 'recheck',
      text: `re-checking with ${holding}: the middlebox's table may be full`,
    });
  }
  if (now.finished && previous?.finished !== true) {
    events.push({ elapsedMs, direction, kind: 'done', text: 'done' });
  }
  return events;
}

/** A later re-check holds fewer connections than the one before (16, then 4). */
function fewer(previous: SearchProgress, now: SearchProgress): boolean {
  return now.budget !== undefined && previous.budget !== undefined && now.budget < previous.budget;
}

/** The state after a snapshot, and the events it brought (oldest first). */
export function observe(
  state: LiveState,
  progress: DiscoveryProgress,
): { state: LiveState; events: LiveEvent[] } {
  const events = progress.directions.flatMap((d) =>
    eventsBetween(state.last.get(d.direction), d, progress.elapsedMs),
  );
  const last = new Map(state.last);
  for (const d of progress.directions) last.set(d.direction, d);
  return { state: { last, recent: [...state.recent, ...events].slice(-RECENT_EVENTS) }, events };
}

export type Remaining =
  | { kind: 'estimate'; ms: number }
  /** Before any eviction: at most this, unless an eviction ends it sooner. */
  | { kind: 'up-to'; ms: number }
  | { kind: 'finishing' };

/** The run's remaining time: the longest of its running directions'. */
export function remaining(progress: DiscoveryProgress, settings: LiveSettings): Remaining {
  const running = progress.directions.filter((d) => !d.finished);
  if (running.length === 0) return { kind: 'finishing' };
  let longest: Extract<Remaining, { ms: number }> = { kind: 'estimate', ms: 0 };
  for (const d of running) {
    const next: Extract<Remaining, { ms: number }> =
      d.etaMs !== null
        ? { kind: 'estimate', ms: Math.max(0, d.etaMs - progress.nowMs) }
        : { kind: 'up-to', ms: Math.max(0, settings.maxMs - (d.oldestIdleMs ?? 0)) + settings.graceMs };
    if (next.ms >= longest.ms) longest = next;
  }
  return longest;
}

/** The share of the run done, 0..1, from elapsed and remaining time (1 once finishing). */
export function doneFraction(elapsedMs: number, left: Remaining): number {
  if (left.kind === 'finishing') return 1;
  const total = elapsedMs + left.ms;
  return total <= 0 ? 0 : Math.min(1, elapsedMs / total);
}

/** A direction's bracket in plain words: "between 23.1 s and 31.0 s idle, narrowing". */
export function bracketWords(d: SearchProgress): string {
  const survived = d.survivedMs === null ? null : preciseSeconds(d.survivedMs);
  const evicted = d.evictedMs === null ? null : preciseSeconds(d.evictedMs);
  if (d.finished) {
    if (evicted === null)
      return survived === null ? 'done, nothing measured' : `survives ${survived} idle (done)`;
    return survived === null
      ? `dies under ${evicted} idle (done)`
      : `dies between ${survived} and ${evicted} idle (done)`;
  }
  const doing = d.recheck === true ? 're-checking' : 'narrowing';
  if (evicted !== null) {
    return survived === null
      ? `dies under ${evicted} idle, ${doing}`
      : `dies between ${survived} and ${evicted} idle, ${doing}`;
  }
  const oldest = d.oldestIdleMs === null ? '' : ` (longest idle now ${preciseSeconds(d.oldestIdleMs)})`;
  if (d.recheck === true)
    return survived === null ? `re-checking${oldest}` : `re-checking: survived ${survived} idle${oldest}`;
  return survived === null ? `searching${oldest}` : `no eviction yet: survived ${survived} idle${oldest}`;
}
