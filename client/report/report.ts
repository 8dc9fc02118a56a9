/**
 * The result of a discovery run, rendered as stable JSON (schema 1) or as text for a terminal.
 * Pure: both renderers are functions of the report alone.
 */
import {
  knownMiddleboxHint,
  limitingDirection,
  recommend,
  type Recommendation,
  type RecommendOptions,
} from './recommendation.js';
import { DIRECTIONS, type Direction, type DirectionResult, type EvictionKind } from '../search/types.js';
import type { RunCost } from '../discovery/run-cost.js';
import type { VerificationResult } from '../verification/verification-run.js';
import { recommendationLines, settingsLines } from './advice-text.js';
import { bytes, duration, estimate, jsonSeconds, preciseSeconds } from './format.js';
import { toJsonVerification, verificationLines, type JsonVerification } from './verification-report.js';
import type { IdlescopeErrorCode } from '../../protocol/errors.js';
import type { TransportName } from '../transport/probe-transport.js';

/** Why a run failed, when it did: a stable code and the one-line message. */
export interface ReportError {
  code: IdlescopeErrorCode;
  message: string;
}
import { resultNotes } from './findings-text.js';

/** Everything a discovery run learned. */
export interface DiscoveryReport {
  /** The reflector as given, "host:port". */
  reflector: string;
  /** The proxy every connection went through, its URL without credentials; absent or null: direct. */
  proxy?: string | null;
  /** What the probes ran over (the control channel followed: wss with TLS, ws otherwise). */
  transport: TransportName;
  /** The TLS version negotiated ('TLSv1.3'), null without TLS. */
  tlsVersion: string | null;
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
  /** The proxy every connection went through (`http://host:port`, no credentials), null: direct. */
  proxy: string | null;
  transport: TransportName;
  /** The TLS version negotiated ("TLSv1.3"), null without TLS. */
  tls_version: string | null;
  elapsed_s: number;
  connections_used: number;
  aborted: string | null;
  /** The direction that dies first; null where nothing was evicted. */
  timeout: {
    survived_s: number | null;
    evicted_s: number | null;
    eviction: EvictionKind | null;
    direction: Direction | null;
    hint: string | null;
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
}

/**
 * The value a hint is looked up with: the middle of the bracket when both ends are known (the
 * timeout lies in (survived, evicted]), else the eviction bound.
 */
function hintFor(result: DirectionResult | null): string | null {
  if (result === null || result.evictedMs === null) return null;
  const estimateMs =
    result.survivedMs === null ? result.evictedMs : (result.survivedMs + result.evictedMs) / 2;
  return knownMiddleboxHint(estimateMs / 1000);
}

/** How the run ended and which way it went, as the recommendation weighs them. */
function recommendOptions(report: DiscoveryReport): RecommendOptions {
  return { aborted: report.aborted !== null, proxy: report.proxy ?? null };
}

/** The report as a plain object following schema 1. */
export function toJsonReport(report: DiscoveryReport): JsonReport {
  const limiting = limitingDirection(report.directions);
  const rec = recommend(report.directions, recommendOptions(report));
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
    proxy: report.proxy ?? null,
    tls_version: report.tlsVersion,
    elapsed_s: jsonSeconds(report.elapsedMs),
    connections_used: report.connectionsUsed,
    aborted: report.aborted,
    timeout: evicted
      ? {
          survived_s: jsonSeconds(limitingResult?.survivedMs ?? null),
          evicted_s: jsonSeconds(limitingResult?.evictedMs ?? null),
          eviction: limitingResult?.eviction ?? null,
          direction: limiting?.direction ?? null,
          hint: hintFor(limitingResult),
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

const WRAP_COLUMNS = 100;

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
      'Dies first: inbound. Only what the reflector sends dies: on most NATs (Linux default,',
      'nf_conntrack_tcp_loose=1) your own sends re-create the mapping, but server pushes after the',
      'timeout never reach you. A server that pushes to an idle client is what breaks here;',
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
export function renderHuman(report: DiscoveryReport): string {
  const rec = recommend(report.directions, recommendOptions(report));
  const limiting = limitingDirection(report.directions);
  const out: string[] = [];

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
    for (const line of diesFirstText(report, limiting.direction)) out.push(line);
    const hint = hintFor(limiting.result);
    if (hint !== null) out.push(`Looks like: ${hint}.`);
    if (report.proxy != null)
      out.push(`Through a proxy: this is the whole path's timeout, usually the proxy's own (see Why).`);
  }

  out.push('');
  out.push(...recommendationLines(rec));
  for (const line of verificationLines(report.verification, !rec.tcpKeepaliveHelps)) out.push(`  ${line}`);
  out.push('');
  out.push('Why:');
  for (const reason of rec.reasons) out.push(...wrap(reason, WRAP_COLUMNS, '  - ', '    '));

  out.push('');
  out.push(...settingsLines(rec));
  return out.join('\n');
}
