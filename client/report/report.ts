/**
 * The result of a discovery run, rendered as stable JSON (schema 1) or as text for a terminal.
 * Pure: both renderers are functions of the report alone.
 */
import { limitingDirection, recommend, type Recommendation } from './recommendation.js';
import { middleboxHints, type MiddleboxHint } from './middlebox-hints.js';
import { mobileCost, type PeriodicCost } from './mobile-cost.js';
import { mobileCostLines } from './mobile-cost-text.js';
import { answerLine } from './answer-line.js';
import { DIRECTIONS, type Direction, type DirectionResult, type EvictionKind } from '../search/types.js';
import type { RunCost } from '../discovery/run-cost.js';
import type { RunSettings } from '../discovery/run-settings.js';
import type { ProbeRecord } from '../discovery/probe-log.js';
import type { VerificationResult } from '../verification/verification-run.js';
import { recommendationLines, settingsLines } from './advice-text.js';
import { bytes, duration, estimate, jsonSeconds, preciseSeconds } from './format.js';
import { toJsonVerification, verificationLines, type JsonVerification } from './verification-report.js';
import type { IdlescopeErrorCode } from '../../protocol/errors.js';

/** Why a run failed, when it did: a stable code and the one-line message. */
export interface ReportError {
  code: IdlescopeErrorCode;
  message: string;
}
import { resultNotes } from './findings-text.js';
import { demoVerdictLine, toJsonDemo, type DemoVerdict, type JsonDemo } from './demo-verdict.js';
import { observeNat } from './nat-observation.js';
import { natSentences } from './nat-text.js';
import {
  toJsonNat,
  toJsonProbes,
  toJsonSettings,
  type JsonNat,
  type JsonProbe,
  type JsonSettings,
} from './run-record-json.js';

/** Everything a discovery run learned. */
export interface DiscoveryReport {
  /** The reflector as given, "host:port". */
  reflector: string;
  transport: 'tcp';
  elapsedMs: number;
  connectionsUsed: number;
  /** Why the run ended early (e.g. "reflector lost"), or null when it finished. */
  aborted: string | null;
  /** Results per tested direction. */
  directions: Partial<Record<Direction, DirectionResult>>;
  /** What the run cost on the wire. */
  cost: RunCost;
  /** The recommendation tried on this path; null when not verified (--no-verify, or nothing to prove). */
  verification: VerificationResult | null;
  /** Only when the run failed (reflector unreachable or lost, ...); absent when it did not. */
  error?: ReportError;
  /** Only in `idlescope demo`'s report: whether it found the timeout it emulated. */
  demo?: DemoVerdict;
  /** When the run started (ISO 8601, UTC), for history; absent in reports made without a run. */
  startedAt?: string;
  /** What the run was asked to do; absent in reports made without a run. */
  settings?: RunSettings;
  /** Every probe connection's life (the timeline, what the reflector saw); absent: not recorded. */
  probes?: ProbeRecord[];
}

export interface JsonDirection {
  survived_s: number | null;
  evicted_s: number | null;
  eviction: EvictionKind | null;
  /** null where none is claimed: a run stopped before this direction saw any eviction. */
  confidence: number | null;
  notes: string[];
  probes_sent: number;
}

/** The JSON document, schema 1. Seconds with millisecond precision; null where unknown. */
export interface JsonReport {
  schema: 1;
  reflector: string;
  transport: 'tcp';
  elapsed_s: number;
  connections_used: number;
  aborted: string | null;
  /** The direction that dies first; null where nothing was evicted. */
  timeout: {
    survived_s: number | null;
    evicted_s: number | null;
    eviction: EvictionKind | null;
    direction: Direction | null;
    /** The best of `hints` in one sentence, or null. */
    hint: string | null;
    /** The known middleboxes this timeout looks like (never a certainty), best first. */
    hints: JsonHint[];
  } | null;
  /** null for a direction that was not tested. */
  directions: Record<Direction, JsonDirection | null>;
  /** The keepalive and heartbeat values are null where no timeout was found for them to beat. */
  recommendation: {
    keepalive_idle_s: number | null;
    keepalive_interval_s: number | null;
    keepalive_count: number | null;
    heartbeat_s: number | null;
    basis: Recommendation['basis'];
    tcp_keepalive_helps: boolean;
    /** How soon a vanished peer is noticed, and the TCP_USER_TIMEOUT that agrees with the keepalive. */
    dead_peer: {
      keepalive_idle_s: number;
      keepalive_interval_s: number;
      keepalive_count: number;
      user_timeout_ms: number;
      /** true: the path needs no keepalive; this one is only for noticing dead peers (per socket). */
      only_for_dead_peers: boolean;
      detected_idle_s: number;
      detected_unacked_s: number;
      system_default_idle_s: number;
      system_default_unacked_s: number;
    };
    reasons: string[];
    /** What keeping one idle connection open this way costs a phone a day (an estimate). */
    mobile_cost: { recommended: JsonPeriodicCost[]; common: JsonPeriodicCost[] };
  };
  /** What the run cost: bytes are payload actually carried, packets only an estimate. */
  cost: {
    connections_opened: number;
    peak_connections: number;
    probes_sent: number;
    probe_bytes: number;
    control_bytes: number;
    packets_estimate: number;
  };
  /** The recommendation tried on this path, or null when it was not (see verification-report.ts). */
  verification: JsonVerification | null;
  /** Only in a run that failed: the error's stable code and one-line message. */
  error?: ReportError;
  /** Only in `idlescope demo`'s report (demo-verdict.ts). */
  demo?: JsonDemo;
  /** When the run started (ISO 8601, UTC); null in a report made without a run. */
  started_at: string | null;
  /** What the run was asked to do; null in a report made without a run. */
  settings: JsonSettings | null;
  /** What the reflector saw of your connections' addresses; null when no probe was compared. */
  nat: JsonNat | null;
  /** Every probe connection's life, in the order opened (see run-record-json.ts). */
  probes: JsonProbe[];
}

export interface JsonHint {
  middlebox: string;
  default_s: number;
  /** The eviction seen is one this middlebox shows. */
  eviction_matches: boolean;
  tcp_keepalive_helps: boolean;
  source: string;
  text: string;
}

export interface JsonPeriodicCost {
  kind: PeriodicCost['kind'];
  period_s: number;
  exchanges_per_hour: number;
  bytes_per_day: number;
  radio_wakeups_per_day: number;
  radio_on_s_per_day: number;
}

function hintsFor(result: DirectionResult | null): MiddleboxHint[] {
  return result === null ? [] : middleboxHints(result);
}

function jsonHint(hint: MiddleboxHint): JsonHint {
  return {
    middlebox: hint.middlebox.name,
    default_s: hint.middlebox.defaultS,
    eviction_matches: hint.evictionMatches,
    tcp_keepalive_helps: hint.middlebox.tcpKeepaliveHelps,
    source: hint.middlebox.source,
    text: hint.text,
  };
}

function jsonPeriodicCost(cost: PeriodicCost): JsonPeriodicCost {
  return {
    kind: cost.kind,
    period_s: cost.periodS,
    exchanges_per_hour: Math.round(cost.exchangesPerHour * 1000) / 1000,
    bytes_per_day: cost.bytesPerDay,
    radio_wakeups_per_day: cost.radioWakeupsPerDay,
    radio_on_s_per_day: cost.radioOnSPerDay,
  };
}

/** The report as a plain object following schema 1. */
export function toJsonReport(report: DiscoveryReport): JsonReport {
  const limiting = limitingDirection(report.directions);
  const rec = recommend(report.directions, { aborted: report.aborted !== null });
  const limitingResult = limiting?.result ?? null;
  const evicted = limitingResult?.evictedMs != null;
  const directions = {} as Record<Direction, JsonDirection | null>;
  for (const direction of DIRECTIONS) {
    const result = report.directions[direction];
    directions[direction] =
      result === undefined
        ? null
        : {
            survived_s: jsonSeconds(result.survivedMs),
            evicted_s: jsonSeconds(result.evictedMs),
            eviction: result.eviction,
            // A stopped run claims nothing about a direction that saw no eviction yet.
            confidence: report.aborted !== null && result.evictedMs === null ? null : result.confidence,
            notes: resultNotes(result),
            probes_sent: result.probesSent,
          };
  }
  return {
    schema: 1,
    reflector: report.reflector,
    transport: report.transport,
    elapsed_s: jsonSeconds(report.elapsedMs),
    connections_used: report.connectionsUsed,
    aborted: report.aborted,
    timeout: evicted
      ? {
          survived_s: jsonSeconds(limitingResult?.survivedMs ?? null),
          evicted_s: jsonSeconds(limitingResult?.evictedMs ?? null),
          eviction: limitingResult?.eviction ?? null,
          direction: limiting?.direction ?? null,
          hint: hintsFor(limitingResult)[0]?.text ?? null,
          hints: hintsFor(limitingResult).map(jsonHint),
        }
      : null,
    directions,
    recommendation: {
      keepalive_idle_s: rec.keepaliveIdleS,
      keepalive_interval_s: rec.keepaliveIntervalS,
      keepalive_count: rec.keepaliveCount,
      heartbeat_s: rec.heartbeatS,
      basis: rec.basis,
      tcp_keepalive_helps: rec.tcpKeepaliveHelps,
      dead_peer: {
        keepalive_idle_s: rec.deadPeer.plan.idleS,
        keepalive_interval_s: rec.deadPeer.plan.intervalS,
        keepalive_count: rec.deadPeer.plan.count,
        user_timeout_ms: rec.deadPeer.plan.userTimeoutMs,
        only_for_dead_peers: rec.deadPeer.onlyForDeadPeers,
        detected_idle_s: rec.deadPeer.detection.whileIdleS,
        detected_unacked_s: rec.deadPeer.detection.whileUnackedS,
        system_default_idle_s: rec.deadPeer.systemDefault.whileIdleS,
        system_default_unacked_s: rec.deadPeer.systemDefault.whileUnackedS,
      },
      reasons: [...rec.reasons],
      mobile_cost: (({ recommended, common }) => ({
        recommended: recommended.map(jsonPeriodicCost),
        common: common.map(jsonPeriodicCost),
      }))(mobileCost(rec)),
    },
    cost: {
      connections_opened: report.cost.connectionsOpened,
      peak_connections: report.cost.peakConnections,
      probes_sent: report.cost.probesSent,
      probe_bytes: report.cost.probeBytes,
      control_bytes: report.cost.controlBytes,
      packets_estimate: report.cost.packetsEstimate,
    },
    verification: toJsonVerification(report.verification),
    ...(report.error === undefined ? {} : { error: { ...report.error } }),
    ...(report.demo === undefined ? {} : { demo: toJsonDemo(report.demo) }),
    started_at: report.startedAt ?? null,
    settings: toJsonSettings(report.settings),
    nat: toJsonNat(report.probes ?? []),
    probes: toJsonProbes(report.probes ?? []),
  };
}

/** The report as a JSON document (schema 1), pretty-printed, without a trailing newline. */
export function renderJson(report: DiscoveryReport): string {
  return JSON.stringify(toJsonReport(report), null, 2);
}

// ---- human text ----

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
  const rec = recommend(report.directions, { aborted: report.aborted !== null });
  const limiting = limitingDirection(report.directions);
  // Prose is wrapped to a terminal's width when there is one; into a file or a pipe, lines stay
  // whole (greppable), except the reasons, which wrap at the default width as they always have.
  const columns = Math.max(40, options.columns ?? DEFAULT_REPORT_COLUMNS);
  const fit = (line: string): string[] =>
    options.columns === undefined ? [line] : wrapIndented(line, columns);
  const out: string[] = [];

  const answer = answerLine({
    limiting,
    recommendation: rec,
    verification: report.verification,
    aborted: report.aborted,
    elapsedMs: report.elapsedMs,
  });
  out.push(...fit(answer), '');

  out.push(
    `idlescope: ${report.reflector} over ${report.transport.toUpperCase()}, ` +
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
