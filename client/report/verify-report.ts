/**
 * `idlescope verify`'s report: one JSON document (schema 1, as discover's, with `error` on
 * failure) and the human text, from a run's result. Pure.
 */
import { jsonSeconds } from './format.js';
import type { Direction } from '../search/types.js';
import type { DeadPeerResult } from '../verification/dead-peer-run.js';
import { DETECTION_TOLERANCE_MS } from '../verification/dead-peer-run.js';
import type { SettingRunResult } from '../verification/setting-run.js';
import type { DirectionVerdict } from '../verification/verdict.js';
import type { VerifyRunOptions, VerifyRunResult } from '../verification/verify-run.js';
import type { KernelKeepalive } from '../verification/held-keepalive.js';
import {
  jsonKernel,
  jsonSetting,
  jsonTest,
  settingWords,
  type JsonKernelKeepalive,
  type JsonSetting,
  type JsonTest,
} from './verification-report.js';

export interface VerifyReport {
  reflector: string;
  options: VerifyRunOptions;
  elapsedMs: number;
  result: VerifyRunResult | null;
  /** How the run ended when it has no result ("interrupted"), else null. */
  aborted: string | null;
  error?: { code: string; message: string };
}

type InconclusiveWhy = Extract<DirectionVerdict, { verdict: 'inconclusive' }>['why'];

export interface JsonVerifyReport {
  schema: 1;
  command: 'verify';
  mode: 'hold' | 'dead-peer';
  reflector: string;
  elapsed_s: number;
  aborted: string | null;
  setting: JsonSetting;
  user_timeout_ms: number | null;
  /** proven / failed / inconclusive (hold); as-predicted / not-as-predicted / not-dropped (dead peer). */
  verdict: string | null;
  hold: {
    hold_s: number;
    timeout_s: number;
    directions: Partial<
      Record<Direction, { verdict: DirectionVerdict['verdict']; why: InconclusiveWhy | null }>
    >;
    connections: {
      probe: number;
      direction: Direction;
      phase_offset_s: number;
      test: JsonTest;
      verdict: DirectionVerdict['verdict'];
      why: InconclusiveWhy | null;
      kernel: JsonKernelKeepalive | null;
    }[];
    /** One connection per direction with no refresh at all: each must die for a proof to stand. */
    controls: Partial<Record<Direction, JsonTest>>;
  } | null;
  dead_peer: {
    predicted_s: number;
    predicted_by: 'keepalive-count' | 'user-timeout';
    measured_s: number | null;
    difference_s: number | null;
    tolerance_s: number;
    /** The socket's error code (ETIMEDOUT from keepalive), close, reset, or null. */
    how: string | null;
    pushes_received: number;
    kernel: JsonKernelKeepalive | null;
  } | null;
  error?: { code: string; message: string };
}

const whyOf = (v: DirectionVerdict): InconclusiveWhy | null => (v.verdict === 'inconclusive' ? v.why : null);

function jsonHold(r: SettingRunResult, timeoutMs: number): NonNullable<JsonVerifyReport['hold']> {
  const directions: NonNullable<JsonVerifyReport['hold']>['directions'] = {};
  for (const [d, v] of Object.entries(r.directions) as [Direction, DirectionVerdict][]) {
    directions[d] = { verdict: v.verdict, why: whyOf(v) };
  }
  const controls: NonNullable<JsonVerifyReport['hold']>['controls'] = {};
  for (const [d, t] of Object.entries(r.controls) as [Direction, SettingRunResult['controls']['inbound']][]) {
    if (t !== undefined) controls[d] = jsonTest(t);
  }
  return {
    hold_s: jsonSeconds(r.holdMs),
    timeout_s: jsonSeconds(timeoutMs),
    directions,
    connections: r.connections.map((c) => ({
      probe: c.probe,
      direction: c.direction,
      phase_offset_s: jsonSeconds(c.phaseOffsetMs),
      test: jsonTest(c.test),
      verdict: c.verdict.verdict,
      why: whyOf(c.verdict),
      kernel: c.kernel === null ? null : jsonKernel(c.kernel),
    })),
    controls,
  };
}

function jsonDeadPeer(r: DeadPeerResult): NonNullable<JsonVerifyReport['dead_peer']> {
  const predictedMs = r.prediction.whileIdleS * 1000;
  return {
    predicted_s: r.prediction.whileIdleS,
    predicted_by: r.prediction.whileIdleBy,
    measured_s: r.measuredMs === null ? null : jsonSeconds(r.measuredMs),
    difference_s: r.measuredMs === null ? null : jsonSeconds(r.measuredMs - predictedMs),
    tolerance_s: DETECTION_TOLERANCE_MS / 1000,
    how: r.how,
    pushes_received: r.pushesReceived,
    kernel: r.kernel === null ? null : jsonKernel(r.kernel),
  };
}

export function toJsonVerifyReport(report: VerifyReport): JsonVerifyReport {
  const { options, result } = report;
  const setting =
    options.mode === 'hold' ? options.setting : ({ kind: 'keepalive', ...options.plan } as const);
  const userTimeoutMs = options.mode === 'hold' ? options.userTimeoutMs : options.plan.userTimeoutMs;
  return {
    schema: 1,
    command: 'verify',
    mode: options.mode,
    reflector: report.reflector,
    elapsed_s: jsonSeconds(report.elapsedMs),
    aborted: report.aborted,
    setting: jsonSetting(
      setting.kind === 'keepalive'
        ? { kind: 'keepalive', idleS: setting.idleS, intervalS: setting.intervalS, count: setting.count }
        : setting,
    ),
    user_timeout_ms: userTimeoutMs ?? null,
    verdict: result === null ? null : result.result.verdict,
    hold:
      result?.mode === 'hold' && options.mode === 'hold' ? jsonHold(result.result, options.timeoutMs) : null,
    dead_peer: result?.mode === 'dead-peer' ? jsonDeadPeer(result.result) : null,
    ...(report.error === undefined ? {} : { error: report.error }),
  };
}

export function renderVerifyJson(report: VerifyReport): string {
  return JSON.stringify(toJsonVerifyReport(report), null, 2);
}

// ---- human text ----

const WHY: Record<InconclusiveWhy, string> = {
  'control-survived':
    'the control connection (no refresh) survived too: this path did not evict an idle connection',
  'held-too-briefly': 'not held past the timeout',
  'control-held-too-briefly': 'the control connection was not held past the timeout',
  'not-at-worst-moment': 'tested too early in its cycle to prove the setting',
  'not-tested': 'no test could be taken',
};

function outcomeWords(t: JsonTest): string {
  const fate = t.outcome === 'alive' ? 'alive' : `evicted (${t.outcome})`;
  return `${fate} after ${t.held_s.toFixed(1)} s held, ${t.idle_at_test_s.toFixed(1)} s idle at the test`;
}

function kernelWords(k: KernelKeepalive | null): string {
  if (k === null) return '';
  const part = (name: string, v: number | null, unit: string): string =>
    v === null ? `${name} unreadable` : `${name} ${v}${unit}`;
  const parts = [
    part('idle', k.idleS, ' s'),
    part('interval', k.intervalS, ' s'),
    part('count', k.count, ''),
    part('user timeout', k.userTimeoutMs, ' ms'),
  ];
  return ` [kernel: ${parts.join(', ')}]`;
}

function holdLines(r: SettingRunResult): string[] {
  const lines = [
    `Held ${r.connections.length} connection${r.connections.length === 1 ? '' : 's'} with ` +
      `${settingWords(r.setting)} for ${jsonSeconds(r.holdMs)} s, beside one control (no refresh) per ` +
      `direction.`,
  ];
  for (const c of r.connections) {
    lines.push(
      `  #${c.probe} ${c.direction}, phase ${jsonSeconds(c.phaseOffsetMs)} s: ` +
        `${outcomeWords(jsonTest(c.test))}${kernelWords(c.kernel)}`,
    );
  }
  for (const [d, t] of Object.entries(r.controls) as [
    Direction,
    NonNullable<SettingRunResult['controls']['inbound']>,
  ][]) {
    lines.push(`  control ${d}: ${outcomeWords(jsonTest(t))}`);
  }
  for (const [d, v] of Object.entries(r.directions) as [Direction, DirectionVerdict][]) {
    switch (v.verdict) {
      case 'proven':
        lines.push(`${d}: held (alive past the hold, while the control died).`);
        break;
      case 'failed':
        lines.push(
          `${d}: did not hold (a connection was evicted: ${v.how} after ${Math.round(v.heldMs / 1000)} s).`,
        );
        break;
      case 'inconclusive':
        lines.push(`${d}: inconclusive (${WHY[v.why]}).`);
        break;
      default: {
        const never: never = v;
        throw new Error(`unknown verdict ${JSON.stringify(never)}`);
      }
    }
  }
  switch (r.verdict) {
    case 'proven':
      lines.push(`The setting held on this path.`);
      break;
    case 'failed':
      lines.push(`The setting did not hold on this path: ${failureAdvice(r)}`);
      break;
    case 'inconclusive':
      lines.push('Nothing proven either way on this path.');
      break;
    default: {
      const never: never = r.verdict;
      throw new Error(`unknown verdict ${String(never)}`);
    }
  }
  return lines;
}

/**
 * What a failure means. A keepalive connection closed with FIN is a terminating proxy's doing: its
 * idle timer counts data, which keepalive never carries, so no idle helps there. Any other
 * eviction of a keepalive connection says this idle is too long for the path.
 */
function failureAdvice(r: SettingRunResult): string {
  if (r.setting.kind === 'heartbeat')
    return 'connections were evicted in spite of it; try a shorter --heartbeat.';
  const closed = r.connections.some((c) => !c.test.outcome.alive && c.test.outcome.how === 'close');
  return closed
    ? 'the path closed connections (FIN) in spite of TCP keepalive, as a terminating proxy does: TCP ' +
        'keepalive does not keep this path alive; use an application heartbeat (--heartbeat).'
    : 'connections with this keepalive were evicted; try a shorter --keepalive-idle.';
}

function deadPeerLines(r: DeadPeerResult): string[] {
  const p = r.plan;
  const rule =
    r.prediction.whileIdleBy === 'user-timeout'
      ? `bounded by the user timeout of ${(p.userTimeoutMs ?? 0) / 1000} s`
      : `idle ${p.idleS} + interval ${p.intervalS} x count ${p.count}`;
  const predicted = `predicted ${r.prediction.whileIdleS} s: ${rule}`;
  if (r.measuredMs === null && r.how !== null)
    return [
      `The connection ended (${r.how}) before any push arrived on it: nothing measured (${predicted}).`,
    ];
  if (r.measuredMs === null)
    return [`The path never stopped answering within the wait: no dead peer to detect (${predicted}).`];
  const measured =
    `A dead peer was detected ${(r.measuredMs / 1000).toFixed(2)} s after the last packet ` +
    `received (${r.how ?? '?'}; ${predicted})`;
  return [
    r.verdict === 'as-predicted'
      ? `${measured}: as predicted, within ${DETECTION_TOLERANCE_MS / 1000} s.${kernelWords(r.kernel)}`
      : `${measured}: NOT as predicted.${kernelWords(r.kernel)}`,
  ];
}

export function renderVerifyHuman(report: VerifyReport): string {
  const { result } = report;
  if (result === null)
    return (
      `Verification ${report.aborted ?? 'ended'} before any verdict ` +
      `(${jsonSeconds(report.elapsedMs)} s).`
    );
  return (result.mode === 'hold' ? holdLines(result.result) : deadPeerLines(result.result)).join('\n');
}
