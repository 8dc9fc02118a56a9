/**
 * The sections of the bench's report, one per table (summary, main, any T, trade-off, noisy,
 * robustness, memory), each with the notes that explain it, in text or Markdown. Pure. The two
 * documents that put them together are bench/render.ts's; the table layout is render-table.ts's.
 */
import type { BenchReport } from './run-bench.js';
import type { RunSummary, TradeoffCell } from './scenarios.js';
import type { MemoryMeasurement } from './memory.js';
import type { RobustnessMiss, RobustnessRow } from './robustness.js';
import type { GridRow } from './timeout-grid.js';
import type { RangeRow } from './range-table.js';
import {
  bracket,
  brackets,
  bytes,
  duration,
  percent,
  seconds,
  table,
  yesNo,
  type Align,
  type Format,
} from './render-table.js';

function mainRows(rows: RunSummary[]): string[][] {
  return rows.map((r) => [
    String(r.timeoutS),
    r.strategy,
    duration(r.elapsedS) + (r.hitLimit ? ' (limit)' : ''),
    `${r.ratio.toFixed(3)}`,
    brackets(r.directions),
    seconds(r.widthS),
    r.widthOverT === null ? '—' : percent(r.widthOverT),
    yesNo(r.containsT),
    String(r.connectionsOpened),
    String(r.peakConcurrent),
    String(r.probesSent),
    String(r.packets),
    String(r.bytes),
    r.pass ? 'PASS' : 'FAIL',
  ]);
}

/** One line per strategy over every T of the main table: the ranges a reader wants first. */
export function renderSummary(report: BenchReport, format: Format): string {
  const strategies = [...new Set(report.main.rows.map((r) => r.strategy))];
  const rows = strategies.map((strategy) => {
    const rs = report.main.rows.filter((r) => r.strategy === strategy);
    const ratios = rs.map((r) => r.ratio);
    const widths = rs.map((r) => r.widthOverT ?? Number.POSITIVE_INFINITY);
    return [
      strategy,
      `${Math.min(...ratios).toFixed(3)} – ${Math.max(...ratios).toFixed(3)}`,
      `${percent(Math.min(...widths))} – ${percent(Math.max(...widths))}`,
      `${rs.filter((r) => r.containsT).length}/${rs.length}`,
      `${rs.filter((r) => r.pass).length}/${rs.length}`,
      `${Math.max(...rs.map((r) => r.peakConcurrent))}`,
    ];
  });
  return table(
    format,
    [
      'strategy',
      'wall / T (min – max)',
      'width / T (min – max)',
      'T inside',
      'meets 1.1T+10s & res',
      'peak conns',
    ],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r'],
  );
}

export function renderMain(report: BenchReport, format: Format): string {
  const headers = [
    'T (s)',
    'strategy',
    'wall (virtual)',
    '× T',
    'bracket (s)',
    'width (s)',
    'width/T',
    'T inside',
    'opened',
    'peak',
    'probes',
    'packets',
    'bytes',
    '≤1.1T+10s & ≤res',
  ];
  const align: Align[] = ['r', 'l', 'r', 'r', 'l', 'r', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'l'];
  const m = report.main;
  return [
    table(format, headers, mainRows(m.rows), align),
    '',
    `idlescope acceptance (wall ≤ 1.1 T + 10 s and width ≤ max(1 s, 1% of T)): ` +
      `${m.idlescopePassed}/${m.idlescopeRows} idlescope rows PASS` +
      ' (the column applies the same test to the baselines, for comparison).',
  ].join('\n');
}

export function renderRange(report: BenchReport, format: Format): string {
  const headers = [
    'T (s)',
    'range (s)',
    'strategy',
    'wall (s)',
    'wall/T',
    'floor (s)',
    'over floor (s)',
    'bracket',
  ];
  const align: Align[] = ['r', 'l', 'l', 'r', 'r', 'r', 'r', 'l'];
  const rows = report.range.map((r: RangeRow) => [
    seconds(r.timeoutS),
    `${r.minS}..${r.maxS}`,
    r.strategy,
    seconds(r.elapsedS),
    r.ratio.toFixed(3),
    seconds(r.floorS),
    seconds(r.overFloorS),
    bracket(r.bracket),
  ]);
  return [
    table(format, headers, rows, align),
    '',
    'Inbound, SharpTimeout drop, the same resolution (max(1 s, 1% of T)) for both. "floor": T + grace + ' +
      '2 RTT, the least any strategy can take to see a silent drop. k-ary rounds: 20 parallel waits spread ' +
      'over the range, the round ends at its first eviction, the range narrows to it, repeated ' +
      '(leon0625/nat_timeout_detect; measured in a strict-NAT lab at its own precision: T = 13 s over ' +
      '1..40 in 14.5 s, T = 37 s over 10..300 in 77.6 s).',
  ].join('\n');
}

export function renderGrid(report: BenchReport, format: Format): string {
  const g = report.grid;
  const headers = [
    'eviction',
    'searched, conns',
    'timeouts',
    'T inside',
    'meet 1.1T+10s & res',
    'worst wall/T (at T)',
    'most of the allowance used (at T)',
    'failed at T (s)',
    '≤ T+grace+max(1s,3%T)',
    'most over T+grace / allowed (at T)',
  ];
  const align: Align[] = ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'];
  const rows = g.rows.map((r: GridRow) => [
    r.mode,
    r.searched,
    String(r.runs),
    `${r.inside}/${r.runs}`,
    `${r.passed}/${r.runs}`,
    `${r.worstRatio.toFixed(3)} (${seconds(r.worstRatioAtS)} s)`,
    `${percent(r.worstAllowance)} (${seconds(r.worstAllowanceAtS)} s)`,
    r.failedAtS.length === 0 ? '—' : r.failedAtS.map((t) => seconds(t)).join(', '),
    `${r.nearFloor}/${r.runs}`,
    `${r.worstOverFloorS.toFixed(2)} s / ${r.worstOverFloorAllowanceS.toFixed(2)} s ` +
      `(${seconds(r.worstOverFloorAtS)} s)`,
  ]);
  return [
    table(format, headers, rows, align),
    '',
    `${g.points} timeouts from ${g.fromS} s to ${g.toS} s, evenly spaced on a log scale and rounded to ` +
      `the millisecond, per row. "allowance": (wall − T) / (0.1 T + 10 s), the share of the acceptance's ` +
      `extra time the run used (under 100% passes). A reset or close is dated when it reaches the ` +
      `client, so the evicted bound may be a few ms past T. The floor target (issue 13): wall ≤ T + grace ` +
      `+ max(1 s, 3% of T), T inside; "most over": the run furthest past it, wall − (T + grace) beside its ` +
      `allowance.`,
  ].join('\n');
}

function tradeoffCell(c: TradeoffCell): string {
  const outside = c.containsT ? '' : ' (T outside!)';
  return `${c.ratio.toFixed(3)}× ${seconds(c.widthS)} s${outside}${c.pass ? '' : ' ✗'}`;
}

export function renderTradeoff(report: BenchReport, format: Format): string {
  const { budgets, timeoutsS, resolutions, cells } = report.tradeoff;
  const headers = ['T (s)', 'resolution', ...budgets.map((b) => `${b} conns`)];
  const align: Align[] = ['r', 'l', ...budgets.map((): Align => 'r')];
  const rows: string[][] = [];
  for (const t of timeoutsS) {
    for (const res of resolutions) {
      const row = [String(t), `max(1 s, ${(res * 100).toFixed(1)}%)`];
      for (const b of budgets) {
        const cell = cells.find((c) => c.timeoutS === t && c.resolution === res && c.budget === b);
        row.push(cell === undefined ? '—' : tradeoffCell(cell));
      }
      rows.push(row);
    }
  }
  const probes = table(
    format,
    ['T (s)', 'resolution', ...budgets.map((b) => `${b}`)],
    timeoutsS.flatMap((t) =>
      resolutions.map((res) => [
        String(t),
        `max(1 s, ${(res * 100).toFixed(1)}%)`,
        ...budgets.map((b) => {
          const c = cells.find((x) => x.timeoutS === t && x.resolution === res && x.budget === b);
          return c === undefined ? '—' : `${c.probesSent} / ${c.connectionsOpened}`;
        }),
      ]),
    ),
    align,
  );
  return [
    'Each cell: wall time as a multiple of T, then the bracket width; ✗ marks a cell that misses wall ' +
      '≤ 1.1 T + 10 s or width ≤ the resolution.',
    '',
    table(format, headers, rows, align),
    '',
    'Probes sent / connections opened, same cells:',
    '',
    probes,
  ].join('\n');
}

export function renderNoisy(report: BenchReport, format: Format): string {
  const headers = [
    'case',
    'truth',
    'direction',
    'reported bracket (s)',
    'width (s)',
    'confidence',
    'truth inside',
    'wall',
    'probes',
    'notes',
  ];
  const align: Align[] = ['l', 'l', 'l', 'l', 'r', 'r', 'l', 'r', 'r', 'l'];
  const rows = report.noisy.flatMap((r) =>
    r.directions.map((d, i) => [
      i === 0 ? r.case : '',
      d.truthS[0] === d.truthS[1] ? `${d.truthS[0]} s` : `${d.truthS[0]}–${d.truthS[1]} s`,
      d.direction,
      bracket(d),
      seconds(d.widthS),
      d.confidence.toFixed(2),
      yesNo(d.containsTruth),
      i === 0 ? duration(r.elapsedS) + (r.hitLimit ? ' (limit)' : '') : '',
      i === 0 ? String(r.probesSent) : '',
      d.notes.length === 0 ? '—' : d.notes.join('; '),
    ]),
  );
  return [
    table(format, headers, rows, align),
    '',
    '"truth inside": survived ≤ a and evicted ≥ b for the truth [a, b] (a = b = T for a sharp timeout; ' +
      '[T, T + G] for a sweep, where an idle between T and T + G survives or not depending on the sweep ' +
      'phase).',
  ].join('\n');
}

function searchedCell(r: RobustnessRow): string {
  return r.directions.length === 1
    ? `${r.directions[0]}, ${r.connectionsPerDirection}`
    : `both, ${r.connectionsPerDirection} each`;
}

function missLine(r: RobustnessRow, m: RobustnessMiss): string {
  const run = [r.case, searchedCell(r), m.variant, m.direction].filter((x) => x !== null).join(', ');
  const notes = m.notes.length === 0 ? 'no notes' : `notes: ${m.notes.join('; ')}`;
  const bracketS = `(${seconds(m.bracketS[0])}, ${seconds(m.bracketS[1])}]`;
  return `- ${run}: failed ${m.failed.join(', ')}; bracket ${bracketS}; ${notes}`;
}

export function renderRobustness(report: BenchReport, format: Format): string {
  const headers = [
    'case',
    'searched, conns',
    'varied',
    'runs',
    'truth inside',
    'named',
    'never contradicted',
    'wall/T median',
    'wall/T max',
    'width median (s)',
    'probes median',
  ];
  const align: Align[] = ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'];
  const rows = report.robustness.map((r) => [
    r.cut === 0 ? r.case : `${r.case} (${r.cut} cut at the limit)`,
    searchedCell(r),
    r.varied,
    String(r.runs),
    `${r.truthInside}/${r.runs}`,
    r.named === null ? 'n/a' : `${r.named}/${r.namable}`,
    `${r.neverContradicted}/${r.runs}`,
    r.wallOverT.median.toFixed(3),
    r.wallOverT.max.toFixed(3) +
      (r.wallOverT.maxAt === null || r.simulations === 1 ? '' : ` (${r.wallOverT.maxAt})`),
    seconds(r.widthMedianS),
    r.probesMedian === null ? '—' : String(r.probesMedian),
  ]);
  const misses = report.robustness.flatMap((r) => r.misses.map((m) => missLine(r, m)));
  return [
    table(format, headers, rows, align),
    '',
    "A run is one direction's result; with both directions searched, one simulation gives two runs. " +
      '"truth inside": survived ≤ a and evicted ≥ b for the truth [a, b] ([T, T + G] for a sweep, [T, T] ' +
      'otherwise, per direction for the directional case). "named": the notes name the behaviour: a ' +
      'sweep says "sweep granularity"; a loss run blames neither a sweep nor a full table, and says its ' +
      'unanswered tests were loss when it set aside a silent eviction below 0.97 T; a full table says ' +
      '"evictions depend on the number of open connections", or that a re-check with few connections ' +
      'found the same answer ("does not depend on the number of connections"), or that it re-checked ' +
      'with the other direction, whose table looked full ("which the directions share"), counted over the ' +
      'directions it struck early (evictions below the survived bound); a directional timeout needs no ' +
      'note (n/a). "never contradicted": no test survived at or past the reported evicted bound and no ' +
      'reset or close came at or below the survived bound. wall/T: virtual time of the simulation over T ' +
      '(the longer T, 300 s, for the directional case), the slowest run in parentheses. Probes are per ' +
      'direction. The table model has no seed or phase, but with both directions searched its outcome ' +
      "depends on how the two searches' passes line up in time, so each table runs at 20 RTTs; the " +
      'directional model is deterministic, so one run says all there is.',
    '',
    misses.length === 0
      ? 'Every run passed every check that applies to it.'
      : ['Runs that missed a check:', '', ...misses].join('\n'),
  ].join('\n');
}

function memoryCells(m: MemoryMeasurement): string[] {
  if (m.error !== null) return [`failed: ${m.error}`, '—', '—'];
  const spread = m.rssPerConnRuns.filter((v): v is number => v !== null);
  const range = spread.length > 1 ? ` (${bytes(Math.min(...spread))}–${bytes(Math.max(...spread))})` : '';
  return [bytes(m.rssPerConn) + range, bytes(m.heapPerConn), `${m.established}/${m.n}`];
}

export function renderMemory(report: BenchReport, format: Format): string {
  const memory = report.memory;
  if (memory === null) return 'Not run (--no-memory).';
  const headers = [
    'N',
    'raw pair RSS/conn',
    'raw pair heap/conn',
    'raw open',
    'idlescope RSS/conn',
    'idlescope heap/conn',
    'idlescope open',
    'RSS idlescope/raw',
  ];
  const align: Align[] = ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'];
  const rows = memory.rows.map((r) => {
    const ratio =
      r.raw.rssPerConn !== null && r.idlescope.rssPerConn !== null && r.raw.rssPerConn > 0
        ? `${(r.idlescope.rssPerConn / r.raw.rssPerConn).toFixed(2)}×`
        : '—';
    return [String(r.n), ...memoryCells(r.raw), ...memoryCells(r.idlescope), ratio];
  });
  return [
    table(format, headers, rows, align),
    '',
    `Node ${memory.node}. Median of ${memory.rows[0]?.raw.runs ?? 1} fresh child process(es) per cell, ` +
      `RSS range in parentheses. Per connection = (after − before) / established, after forced GC, both ` +
      `ends (client and server/reflector) in one process, so each figure is a client+server pair. Kernel ` +
      `socket buffers are not process memory and are not included. These numbers are measured, not ` +
      `simulated: they vary between runs (RSS most, at small N; heap hardly). Heap is the steadier ` +
      `figure.`,
  ].join('\n');
}
