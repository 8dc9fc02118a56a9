/**
 * The result of a discovery run, rendered as stable JSON (schema 1) or as text for a terminal.
 * Pure: both renderers are functions of the report alone.
 */
import {
  limitingDirection,
  recommend,
  type Recommendation,
  type RecommendOptions,
} from './recommendation.js';
import { middleboxHints, type MiddleboxHint } from './middlebox-hints.js';
import { mobileCost, type PeriodicCost } from './mobile-cost.js';
import { DIRECTIONS, type Direction, type DirectionResult, type EvictionKind } from '../search/types.js';
import type { RunCost } from '../discovery/run-cost.js';
import type { RunSettings } from '../discovery/run-settings.js';
import type { ProbeRecord } from '../discovery/probe-log.js';
import type { VerificationResult } from '../verification/verification-run.js';
import { jsonSeconds } from './format.js';
import { toJsonVerification, type JsonVerification } from './verification-report.js';
import type { IdlescopeErrorCode } from '../../protocol/errors.js';
import type { TransportName } from '../transport/probe-transport.js';

/** Why a run failed, when it did: a stable code and the one-line message. */
export interface ReportError {
  code: IdlescopeErrorCode;
  message: string;
}
import { resultNotes } from './findings-text.js';
import { toJsonDemo, type DemoVerdict, type JsonDemo } from './demo-verdict.js';
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

/** The known middleboxes the direction's timeout looks like, best first (middlebox-hints.ts). */
export function hintsFor(result: DirectionResult | null): MiddleboxHint[] {
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

/** How the run ended and which way it went, as the recommendation weighs them. */
/** What the recommendation needs to know of the run beyond its brackets. */
export function recommendOptions(report: DiscoveryReport): RecommendOptions {
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
