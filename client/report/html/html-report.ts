/**
 * The HTML report: one self-contained page rendered from a report's JSON (a run just finished, or
 * any saved one), readable at a glance. The answer first; then survival against idle time with
 * the bracket marked, the recommendation and its verification, what the reflector saw of your
 * addresses, how this network compared with earlier runs, the timeline of every probe connection,
 * and the run's settings and cost.
 *
 * Self-contained: inline CSS and SVG, no script, no font, no image, no link to fetch; a Content
 * Security Policy of default-src 'none' says so to the browser too, so nothing can be fetched even
 * by a mistake here. Every value from the report is escaped (html-text.ts). Pure.
 */
import { DIRECTIONS } from '../../search/types.js';
import type { JsonReport } from '../report.js';
import { answerLine } from '../answer-line.js';
import { el, escapeHtml, seconds } from './html-text.js';
import { PAGE_STYLE } from './page-style.js';
import { probeTimeline } from './probe-timeline.js';
import { survivalChart } from './survival-chart.js';
import { recommendationSection, verificationSection } from './verification-section.js';

export interface HtmlReportExtras {
  /** Sentences comparing this run with earlier ones from the same network (history). */
  history?: readonly string[];
  /** Shown in the footer: what made the page. */
  generator?: string;
}

function rows(entries: readonly [string, string][]): string {
  return entries.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
}

function directionsTable(report: JsonReport): string {
  const body = DIRECTIONS.map((direction) => {
    const d = report.directions[direction];
    if (d === null) return `<tr><th>${direction}</th><td>not tested</td></tr>`;
    const bracket =
      d.evicted_s === null
        ? `survives ${seconds(d.survived_s)}, no eviction up to it`
        : `survives ${seconds(d.survived_s)}, evicted at ${seconds(d.evicted_s)} ` +
          `(${d.eviction ?? 'evicted'})`;
    const confidence = d.confidence === null ? '–' : d.confidence.toFixed(2);
    const detail = `confidence ${confidence}, ${d.probes_sent} probes`;
    const notes = d.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('');
    return (
      `<tr><th>${direction}</th><td>${escapeHtml(bracket)}<br>` +
      `<span class="legend">${escapeHtml(detail)}</span>` +
      `${notes === '' ? '' : `<ul>${notes}</ul>`}</td></tr>`
    );
  }).join('');
  return `<table class="directions">${body}</table>`;
}

function natSection(report: JsonReport): string {
  const nat = report.nat;
  if (nat === null)
    return '<p class="empty">The reflector did not report where your connections came from.</p>';
  const sentences = nat.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  return el(
    'div',
    {
      class: 'card nat',
      'data-nat-present': String(nat.nat_present),
      'data-port-preservation': nat.port_preservation,
    },
    `<ul>${sentences}</ul>`,
  );
}

function settingsTable(report: JsonReport): string {
  const s = report.settings;
  if (s === null) return '<p class="empty">This report does not say what the run was asked to do.</p>';
  return `<table>${rows([
    ['idle range', `${seconds(s.min_s)} to ${seconds(s.max_s)}`],
    [
      'resolution',
      s.resolution_s === null ? 'default: max(1 s, 1% of the timeout)' : seconds(s.resolution_s),
    ],
    ['connections', String(s.connections)],
    ['directions', s.directions.join(', ')],
    ['grace', s.grace_s === null ? 'default' : seconds(s.grace_s)],
    ['followed to --max (--full)', s.full ? 'yes' : 'no'],
    ['verification', s.verify ? 'yes' : 'no'],
  ])}</table>`;
}

function costTable(report: JsonReport): string {
  const c = report.cost;
  return `<table>${rows([
    ['wall time', seconds(report.elapsed_s)],
    ['probe connections', `${c.connections_opened} opened, ${c.peak_connections} at most at once`],
    ['tests', String(c.probes_sent)],
    ['payload', `${c.probe_bytes} B on probes, ${c.control_bytes} B on the control channel`],
    ['packets (estimated)', String(c.packets_estimate)],
  ])}</table>`;
}

const LEGEND_SURVIVAL =
  '<p class="legend">Each dot is one test at the idle it measured.' +
  '<span class="swatch" style="background:var(--ok)"></span>survived' +
  '<span class="swatch" style="background:var(--bad)"></span>evicted' +
  '<span class="swatch" style="background:var(--grey)"></span>unanswered (not counted).' +
  ' The shaded band is the bracket: the timeout lies between its two lines.</p>';

const LEGEND_TIMELINE =
  '<p class="legend">One row per probe connection: grey while it opened, a bar while idle' +
  '<span class="swatch" style="background:var(--in)"></span>inbound' +
  '<span class="swatch" style="background:var(--out)"></span>outbound, a dot at each test' +
  ' (green survived; red evicted: filled a reset, a ring a silent drop; amber closed with FIN),' +
  ' × evicted by a test, | died while idle. Hover a row for its details.</p>';

/** The whole page, a complete HTML document. */
export function renderHtml(report: JsonReport, extras: HtmlReportExtras = {}): string {
  const failed = report.error !== undefined;
  const started =
    report.started_at === null
      ? ''
      : ` · started ${report.started_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`;
  const history =
    extras.history === undefined || extras.history.length === 0
      ? '<p class="empty">No earlier run from this network in the history.</p>'
      : `<ul class="history">${extras.history.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`;
  const errorText = `${report.error?.code ?? ''}: ${report.error?.message ?? ''}`;
  const error = failed ? `<p class="answer failed">${escapeHtml(errorText)}</p>` : '';
  const meta =
    `over ${report.transport.toUpperCase()}${started} · took ${seconds(report.elapsed_s)} · ` +
    `${report.connections_used} connections`;
  const generator = `${extras.generator ?? 'idlescope'}: a self-contained page, nothing fetched.`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>idlescope: ${escapeHtml(report.reflector)}</title>`,
    `<style>${PAGE_STYLE}</style></head><body><main>`,
    `<h1>idlescope report: ${escapeHtml(report.reflector)}</h1>`,
    `<p class="meta">${escapeHtml(meta)}</p>`,
    `<p class="answer" id="answer">${escapeHtml(answerLine(report))}</p>`,
    error,
    report.aborted === null
      ? ''
      : `<p class="empty">Partial result: the run ended early (${escapeHtml(report.aborted)}).</p>`,
    '<h2>Survival against idle time</h2>',
    `<div class="chart">${survivalChart(report)}</div>`,
    LEGEND_SURVIVAL,
    directionsTable(report),
    '<h2>Recommendation</h2>',
    recommendationSection(report),
    '<h2>Verified on this path</h2>',
    verificationSection(report),
    '<h2>What the reflector saw</h2>',
    natSection(report),
    '<h2>Earlier runs from this network</h2>',
    history,
    '<h2>Every probe connection</h2>',
    `<div class="chart">${probeTimeline(report)}</div>`,
    LEGEND_TIMELINE,
    '<h2>Settings</h2>',
    settingsTable(report),
    '<h2>Cost</h2>',
    costTable(report),
    `<p class="legend">${escapeHtml(generator)}</p>`,
    '</main></body></html>',
    '',
  ].join('\n');
}
