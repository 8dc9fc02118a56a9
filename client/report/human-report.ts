/**
 * The report as text for a terminal: the answer in one line first, then the brackets, why the
 * direction that dies first matters, the hints, what the reflector saw, the recommendation with its
 * verification and reasons, the mobile cost, and the settings to paste. Pure: a function of the
 * report and the width to wrap to.
 */
import { limitingDirection, recommend } from './recommendation.js';
import { mobileCost } from './mobile-cost.js';
import { mobileCostLines } from './mobile-cost-text.js';
import { answerLine } from './answer-line.js';
import { DIRECTIONS, type Direction, type DirectionResult, type EvictionKind } from '../search/types.js';
import type { RunCost } from '../discovery/run-cost.js';
import { recommendationLines, settingsLines } from './advice-text.js';
import { bytes, duration, estimate, preciseSeconds } from './format.js';
import { verificationLines } from './verification-report.js';

import { hintsFor, recommendOptions, toJsonReport, type DiscoveryReport } from './report.js';
import { observeNat } from './nat-observation.js';
import { natSentences } from './nat-text.js';
import { resultNotes } from './findings-text.js';
import { demoVerdictLine } from './demo-verdict.js';

const DIRECTION_LABEL: Record<Direction, string> = {
  inbound: 'inbound (reflector → you)',
  outbound: 'outbound (you → reflector)',
};

const EVICTION_LABEL: Record<EvictionKind, string> = {
  'silent-drop': 'silent drop (no FIN, no RST: the connection just goes quiet)',
  reset: 'reset (RST on the next packet)',
  close: 'closed with FIN (a terminating proxy)',
};

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * One line: "cost: 263 connections (peak 256), 150 probes, 84 KiB on probes + 12 KiB control, about 1,900
 * packets".
 */
function costLine(cost: RunCost): string {
  return (
    `cost: ${plural(cost.connectionsOpened, 'connection')} (peak ${cost.peakConnections}), ` +
    `${plural(cost.probesSent, 'probe')}, ${bytes(cost.probeBytes)} on probes + ` +
    `${bytes(cost.controlBytes)} control, ${estimate(cost.packetsEstimate)} packets (estimated)`
  );
}

/** Word-wrap `text` to `width` columns: the first line starts with `first`, the others with `rest`. */
function wrap(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ').filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line = empty ? line + word : `${line} ${word}`;
    }
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
}

/** `line` wrapped to `width`, keeping its indent; continuation lines are indented two more. */
function wrapIndented(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = /^ */.exec(line)?.[0] ?? '';
  return wrap(line.slice(indent.length), width, indent, `${indent}  `);
}

/** Where the text report wraps when the caller does not say (a terminal's width, say). */
export const DEFAULT_REPORT_COLUMNS = 100;

export interface HumanOptions {
  /** Wrap prose to this many columns (the terminal's width); snippets and tables are never wrapped. */
  columns?: number;
}

function bracketLine(result: DirectionResult): string {
  const label = DIRECTION_LABEL[result.direction];
  if (result.survivedMs === null && result.evictedMs === null) {
    return `${label}: no result`;
  }
  if (result.evictedMs === null) {
    return `${label}: survives ${duration(result.survivedMs ?? 0)}, no eviction up to that`;
  }
  const how = result.eviction === null ? 'evicted' : EVICTION_LABEL[result.eviction];
  if (result.survivedMs === null) {
    return `${label}: nothing survived; evicted at ${duration(result.evictedMs)} — ${how}`;
  }
  return (
    `${label}: survives ${preciseSeconds(result.survivedMs)}, ` +
    `evicted at ${duration(result.evictedMs)} — ${how}`
  );
}

/** Why the direction that dies first matters, in one or two sentences. */
function diesFirstText(report: DiscoveryReport, limiting: Direction): string[] {
  const inbound = report.directions.inbound;
  const outbound = report.directions.outbound;
  const lines: string[] = [];
  const evicted = (r: DirectionResult | undefined): boolean => r?.evictedMs != null;
  if (evicted(inbound) && evicted(outbound)) {
    lines.push(`Dies first: ${limiting}. Both directions are evicted, as on a strict NAT or a proxy.`);
  } else if (limiting === 'inbound' && evicted(inbound) && outbound?.survivedMs != null) {
    lines.push(
      'Dies first: inbound. Only what the reflector sends dies: on most NATs (Linux default, ' +
        'nf_conntrack_tcp_loose=1) your own sends re-create the mapping, but server pushes after the ' +
        'timeout never reach you. A server that pushes to an idle client is what breaks here; ' +
        'a test of the outbound direction alone would have reported "no timeout".',
    );
  } else if (evicted(report.directions[limiting])) {
    lines.push(`Dies first: ${limiting}.`);
    if (limiting === 'outbound') {
      lines.push('Your own sends after the idle are lost: the connection is gone both ways.');
    }
  } else {
    lines.push('No direction was evicted within the longest idle tested.');
  }
  if (!report.directions.inbound || !report.directions.outbound) {
    const missing = report.directions.inbound ? 'outbound' : 'inbound';
    lines.push(`The ${missing} direction was not tested: it may die sooner.`);
  }
  return lines;
}

/** The report as scannable multi-line text for a terminal, without a trailing newline. No colours. */
export function renderHuman(report: DiscoveryReport, options: HumanOptions = {}): string {
  const rec = recommend(report.directions, recommendOptions(report));
  const limiting = limitingDirection(report.directions);
  // Prose is wrapped to a terminal's width when there is one; into a file or a pipe, lines stay
  // whole (greppable), except the reasons, which wrap at the default width as they always have.
  const columns = Math.max(40, options.columns ?? DEFAULT_REPORT_COLUMNS);
  const fit = (line: string): string[] =>
    options.columns === undefined ? [line] : wrapIndented(line, columns);
  const out: string[] = [];

  const answer = answerLine(toJsonReport(report));
  out.push(...fit(answer), '');

  const via = report.proxy == null ? '' : ` via proxy ${report.proxy}`;
  out.push(
    `idlescope: ${report.reflector} over ${report.transport.toUpperCase()}` +
      `${report.tlsVersion === null ? '' : ` (${report.tlsVersion})`}${via}, ` +
      `${duration(report.elapsedMs)}, ${report.connectionsUsed} ` +
      `connection${report.connectionsUsed === 1 ? '' : 's'}`,
  );
  out.push(costLine(report.cost));
  if (report.aborted !== null) {
    out.push('');
    out.push(`PARTIAL RESULT: the run ended early (${report.aborted}).`);
    out.push('The brackets below are what was learned before that; they may be wider than asked for.');
  }

  out.push('');
  out.push('Idle timeout per direction:');
  const tested = DIRECTIONS.filter((d) => report.directions[d] !== undefined);
  if (tested.length === 0) out.push('  no direction was tested');
  for (const direction of tested) {
    const result = report.directions[direction]!;
    out.push(`  ${bracketLine(result)}`);
    const claimed = report.aborted === null || result.evictedMs !== null;
    const detail = [
      claimed ? `confidence ${result.confidence.toFixed(2)}` : 'stopped before any eviction',
      `${result.probesSent} probes`,
    ];
    out.push(`    ${detail.join(', ')}`);
    for (const note of resultNotes(result)) out.push(`    note: ${note}`);
  }

  if (limiting !== null) {
    out.push('');
    for (const paragraph of diesFirstText(report, limiting.direction))
      out.push(...wrap(paragraph, columns, '', ''));
    for (const hint of hintsFor(limiting.result).slice(0, 2)) {
      const sentence = `${hint.text[0]?.toUpperCase()}${hint.text.slice(1)}.`;
      out.push(...wrap(sentence, columns, '', '  '), `  source: ${hint.middlebox.source}`);
    }
    if (report.proxy != null)
      out.push(`Through a proxy: this is the whole path's timeout, usually the proxy's own (see Why).`);
  }

  const nat = observeNat(report.probes ?? []);
  if (nat !== null) {
    out.push('');
    out.push('What the reflector saw:');
    for (const sentence of natSentences(nat)) out.push(...wrap(sentence, columns, '  ', '  '));
  }

  out.push('');
  out.push(...recommendationLines(rec));
  for (const line of verificationLines(report.verification, !rec.tcpKeepaliveHelps)) out.push(`  ${line}`);
  out.push('');
  out.push('Why:');
  for (const reason of rec.reasons) out.push(...wrap(reason, columns, '  - ', '    '));

  // Prose wraps at the terminal's width, continuation lines indented under their first; the table
  // and the snippets to paste keep their lines.
  const prose = out.flatMap(fit);
  const mobile = mobileCostLines(mobileCost(rec));
  if (mobile.length > 0) prose.push('', ...mobile);
  prose.push('');
  prose.push(...settingsLines(rec));
  if (report.demo !== undefined) prose.push('', ...fit(demoVerdictLine(report.demo)));
  return prose.join('\n');
}
