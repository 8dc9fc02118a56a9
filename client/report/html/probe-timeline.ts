/**
 * A timeline of every probe connection, one row each, on the run's clock: grey while it opened,
 * a bar for each idle period (inbound and outbound in their own colours), a dot at each test
 * (green survived, red evicted, grey unanswered), and at its end a mark saying how it ended (a
 * cross: evicted by a test; a bar: died while idle; nothing: closed by the search or by the run).
 * How an eviction showed is drawn too, not only told on hover: a filled red dot or mark is a reset,
 * a red ring a silent drop, amber a close (FIN).
 */
import type { JsonReport } from '../report.js';
import type { JsonProbe } from '../run-record-json.js';
import { axisSvg, linearAxis, type Axis } from './axis.js';
import { el, escapeHtml, px, seconds } from './html-text.js';

const WIDTH = 760;
const LEFT = 90;
const RIGHT = 30;
/** Rows drawn at most: a run of many thousand probes would make a page too slow to be read. */
export const MAX_TIMELINE_ROWS = 2000;

function rowTitle(p: JsonProbe): string {
  const tests = p.tests
    .map((t) => `${seconds(t.idle_s)} ${t.outcome}${t.how === null ? '' : ` (${t.how})`}`)
    .join(', ');
  const end = p.end === null ? 'open' : `${p.end.kind}${p.end.how === null ? '' : ` (${p.end.how})`}`;
  const from = p.local === null ? '' : `; from ${p.local.address}:${p.local.port}`;
  const seen = p.local === null || p.seen === null ? '' : `, seen as ${p.seen.address}:${p.seen.port}`;
  const opened = `${p.direction} #${p.conn}: opened at ${seconds(p.opened_s)}`;
  return `${opened}; tests: ${tests || 'none'}; ${end}${from}${seen}`;
}

/** A horizontal bar of the row at `y`, from `fromS` to `toS` on the run's clock. */
function bar(cls: string, axis: Axis, fromS: number, toS: number, y: number, thickness: number): string {
  return el('line', {
    class: cls,
    x1: px(axis.x(fromS)),
    x2: px(axis.x(toS)),
    y1: px(y),
    y2: px(y),
    'stroke-width': px(thickness),
  });
}

function endMark(p: JsonProbe, axis: Axis, y: number, pitch: number): string {
  if (p.end === null || (p.end.kind !== 'evicted' && p.end.kind !== 'died-idle')) return '';
  const x = axis.x(p.end.at_s);
  const r = Math.max(2, pitch * 0.5);
  const how = p.end.how === null ? '' : ` ${p.end.how}`;
  if (p.end.kind === 'died-idle')
    return el('line', { class: `end died-idle${how}`, x1: px(x), x2: px(x), y1: px(y - r), y2: px(y + r) });
  const [left, right, up, down] = [px(x - r), px(x + r), px(y - r), px(y + r)];
  const d = `M${left} ${up}L${right} ${down}M${left} ${down}L${right} ${up}`;
  return el('path', { class: `end evicted${how}`, d });
}

function rowSvg(p: JsonProbe, axis: Axis, y: number, pitch: number, endS: number): string {
  const thickness = Math.max(1.5, pitch * 0.6);
  const parts = [bar('opening', axis, p.opened_s, p.idle_from_s ?? p.end?.at_s ?? endS, y, thickness)];
  let from = p.idle_from_s;
  for (const t of p.tests) {
    parts.push(
      bar(`idle ${p.direction}`, axis, t.idle_from_s, t.tested_s, y, thickness),
      el('circle', {
        class: `test ${t.outcome}${t.how === null ? '' : ` ${t.how}`}`,
        cx: px(axis.x(t.tested_s)),
        cy: px(y),
        r: px(Math.max(1.5, pitch * 0.45)),
      }),
    );
    from = t.outcome === 'survived' ? t.tested_s : null;
  }
  // Still idle after its last survival, up to its end: closed by the search, died, or the run ended.
  if (from !== null) parts.push(bar(`idle ${p.direction}`, axis, from, p.end?.at_s ?? endS, y, thickness));
  parts.push(endMark(p, axis, y, pitch));
  return el(
    'g',
    { class: 'probe', 'data-direction': p.direction, 'data-conn': p.conn, 'data-end': p.end?.kind ?? 'open' },
    el('title', {}, escapeHtml(rowTitle(p))) + parts.join(''),
  );
}

/** The timeline, an <svg> element; a note instead when the report holds no probe records. */
export function probeTimeline(report: JsonReport): string {
  if (report.probes.length === 0)
    return (
      '<p class="empty">This report holds no per-probe records (a run that opened none, or one saved by ' +
      'an older idlescope).</p>'
    );
  const order = { inbound: 0, outbound: 1 } as const;
  const rows = [...report.probes]
    .sort((a, b) => order[a.direction] - order[b.direction] || a.opened_s - b.opened_s || a.conn - b.conn)
    .slice(0, MAX_TIMELINE_ROWS);
  const pitch = Math.max(2, Math.min(12, 720 / rows.length));
  const lastS = (p: JsonProbe): number => Math.max(p.end?.at_s ?? 0, ...p.tests.map((t) => t.tested_s));
  const endS = Math.max(report.elapsed_s, ...rows.map(lastS));
  const axis = linearAxis(endS, LEFT, WIDTH - LEFT - RIGHT);
  const top = 10;
  const body = rows.map((p, i) => rowSvg(p, axis, top + i * pitch + pitch / 2, pitch, endS)).join('');
  const height = top + rows.length * pitch + 44;
  const omitted = report.probes.length - rows.length;
  const firstOutbound = rows.findIndex((p) => p.direction === 'outbound');
  const labels = [
    firstOutbound === 0 ? null : { text: 'inbound', row: 0 },
    firstOutbound < 0 ? null : { text: 'outbound', row: firstOutbound },
  ]
    .filter((l) => l !== null)
    .map((l) =>
      el(
        'text',
        { class: 'lane-label', x: px(LEFT - 8), y: px(top + l.row * pitch + 10), 'text-anchor': 'end' },
        l.text,
      ),
    )
    .join('');
  const svg = el(
    'svg',
    {
      class: 'probe-timeline',
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: WIDTH,
      height,
      role: 'img',
      'aria-label': 'Timeline of every probe connection',
      'data-rows': rows.length,
    },
    labels + body + axisSvg(axis, top + rows.length * pitch + 4, 'time since the run started, s'),
  );
  return omitted > 0 ? `${svg}<p class="empty">${omitted} more probe connections are not drawn.</p>` : svg;
}
