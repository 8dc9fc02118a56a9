/**
 * Survival against idle time, one panel per tested direction: every test a dot at the idle it
 * measured, in the lane of its outcome (survived above, evicted below, unanswered between), and the
 * bracket marked: a band from the longest idle that survived to the shortest that was evicted, the
 * timeout lying inside it. The marked values are kept as data attributes (data-survived-s,
 * data-evicted-s), so what the chart shows can be read back exactly.
 */
import type { Direction } from '../../search/types.js';
import { DIRECTIONS } from '../../search/types.js';
import type { JsonReport } from '../report.js';
import type { JsonProbeTest } from '../run-record-json.js';
import { axisSvg, linearAxis, type Axis } from './axis.js';
import { el, escapeHtml, px, seconds } from './html-text.js';

const WIDTH = 760;
const LEFT = 90;
const RIGHT = 30;
const PANEL_HEIGHT = 150;
const LANES = { survived: 42, unanswered: 70, evicted: 98 } as const;

const DIRECTION_TITLE: Record<Direction, string> = {
  inbound: 'inbound (reflector → you)',
  outbound: 'outbound (you → reflector)',
};

function testsOf(report: JsonReport, direction: Direction): JsonProbeTest[] {
  return report.probes.filter((p) => p.direction === direction).flatMap((p) => p.tests);
}

/** A small spread inside a lane, the same for the same test, so dots at one idle stay visible. */
function jitter(index: number): number {
  return ((index * 7) % 9) - 4;
}

const OUTCOME_LABEL = (t: JsonProbeTest): string =>
  t.outcome === 'survived'
    ? 'survived'
    : t.outcome === 'evicted'
      ? `evicted (${t.how ?? 'unknown'})`
      : 'unanswered (not counted)';

function dotsSvg(tests: readonly JsonProbeTest[], axis: Axis, top: number): string {
  return tests
    .map((t, i) =>
      el(
        'circle',
        {
          class: `test ${t.outcome}`,
          'data-idle-s': t.idle_s,
          cx: px(axis.x(t.idle_s)),
          cy: px(top + LANES[t.outcome] + jitter(i)),
          r: 3.2,
        },
        el('title', {}, escapeHtml(`idle ${seconds(t.idle_s)}: ${OUTCOME_LABEL(t)}`)),
      ),
    )
    .join('');
}

function bracketSvg(survived: number | null, evicted: number | null, axis: Axis, top: number): string {
  const y1 = px(top + 28);
  const y2 = px(top + 112);
  const parts: string[] = [];
  if (survived !== null && evicted !== null) {
    const from = axis.x(survived);
    const width = px(Math.max(2, axis.x(evicted) - from));
    parts.push(el('rect', { class: 'bracket-band', x: px(from), y: y1, width, height: 84 }));
  }
  if (survived !== null) {
    const x = px(axis.x(survived));
    parts.push(
      el('line', { class: 'bracket-survived', 'data-s': survived, x1: x, y1, x2: x, y2 }),
      el(
        'text',
        { class: 'bracket-label survived', x, y: px(top + 22), 'text-anchor': 'end' },
        `survives ${seconds(survived)}`,
      ),
    );
  }
  if (evicted !== null) {
    const x = px(axis.x(evicted));
    const nearRight = axis.x(evicted) > axis.left + 0.8 * axis.width;
    parts.push(
      el('line', { class: 'bracket-evicted', 'data-s': evicted, x1: x, y1, x2: x, y2 }),
      el(
        'text',
        // Near the right edge the label reads leftwards, so it is never cut off.
        { class: 'bracket-label evicted', x, y: px(top + 124), 'text-anchor': nearRight ? 'end' : 'start' },
        `evicted ${seconds(evicted)}`,
      ),
    );
  }
  return el('g', { class: 'bracket' }, parts.join(''));
}

function panelSvg(report: JsonReport, direction: Direction, axis: Axis, top: number): string {
  const result = report.directions[direction]!;
  const lanes = (Object.keys(LANES) as (keyof typeof LANES)[])
    .map((lane) =>
      el(
        'text',
        { class: 'lane-label', x: px(LEFT - 8), y: px(top + LANES[lane] + 4), 'text-anchor': 'end' },
        lane,
      ),
    )
    .join('');
  const title = `${DIRECTION_TITLE[direction]}${result.eviction === null ? '' : `: ${result.eviction}`}`;
  return el(
    'g',
    {
      class: 'direction',
      'data-direction': direction,
      'data-survived-s': result.survived_s ?? '',
      'data-evicted-s': result.evicted_s ?? '',
    },
    el('text', { class: 'panel-title', x: px(LEFT), y: px(top + 12) }, escapeHtml(title)) +
      lanes +
      bracketSvg(result.survived_s, result.evicted_s, axis, top) +
      dotsSvg(testsOf(report, direction), axis, top),
  );
}

/** The chart, an <svg> element; a note instead where no direction was tested. */
export function survivalChart(report: JsonReport): string {
  const tested = DIRECTIONS.filter((d) => report.directions[d] !== null);
  if (tested.length === 0) return '<p class="empty">No direction was tested.</p>';
  const bounds = tested.flatMap((d) => [
    report.directions[d]?.survived_s ?? 0,
    report.directions[d]?.evicted_s ?? 0,
  ]);
  const idles = tested.flatMap((d) => testsOf(report, d)).map((t) => t.idle_s);
  const axis = linearAxis(Math.max(...idles, ...bounds, 0) * 1.08, LEFT, WIDTH - LEFT - RIGHT);
  const height = tested.length * PANEL_HEIGHT + 40;
  const panels = tested.map((direction, i) => panelSvg(report, direction, axis, i * PANEL_HEIGHT));
  return el(
    'svg',
    {
      class: 'survival-chart',
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: WIDTH,
      height,
      role: 'img',
      'aria-label': 'Survival against idle time per direction',
      'data-axis-max-s': axis.maxS,
    },
    panels.join('') + axisSvg(axis, tested.length * PANEL_HEIGHT, 'idle time, s'),
  );
}
