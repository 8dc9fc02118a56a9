/**
 * The verdict on a refresh setting, per direction, from the tests the verification took. Pure.
 *
 * A setting is proven in a direction when a connection that used it (or a longer one: a longer
 * idle between refreshes proves every shorter one) was held past the measured timeout and answered
 * a test taken at the worst moment of its cycle, AND a control connection held as long with no
 * refresh at all died in that direction. Without the control's death, a surviving test says only
 * that this path did not evict anything just then (a middlebox that stopped evicting, a route
 * that changed): inconclusive, never success.
 */
import type { Direction, EvictionKind } from '../search/types.js';
import { worstMomentMarginMs } from './worst-moment.js';

export type RefreshSetting =
  | { kind: 'keepalive'; idleS: number; intervalS: number; count: number }
  | { kind: 'heartbeat'; periodS: number };

/** One test of a refreshed or control connection. */
export type TestOutcome = { alive: true } | { alive: false; how: EvictionKind };

export interface DirectionEvidence {
  /** The test of the refreshed connection; null when none could be taken. */
  refreshed: {
    outcome: TestOutcome;
    /** How long the connection had been held when tested. */
    heldMs: number;
    /** How long since its last refresh the test went out (the worst moment: about one period). */
    idleAtTestMs: number;
    /** The setting that connection used (the recommended one, or a longer one). */
    setting: RefreshSetting;
  } | null;
  /** The control connection's test (no keepalive, no heartbeat); null when none could be taken. */
  control: { outcome: TestOutcome; heldMs: number } | null;
}

export type DirectionVerdict =
  | { verdict: 'proven'; heldMs: number }
  | { verdict: 'failed'; how: EvictionKind; heldMs: number }
  | { verdict: 'inconclusive'; why: InconclusiveReason };

export type InconclusiveReason =
  /** The control connection survived too: the path no longer evicts idle connections. */
  | 'control-survived'
  /** The refreshed connection was not held past the timeout when it was tested. */
  | 'held-too-briefly'
  /** The control connection was not held past the timeout when it was tested. */
  | 'control-held-too-briefly'
  /** The refreshed connection was tested too early in its cycle to prove the setting. */
  | 'not-at-worst-moment'
  /** No test could be taken (the run ended first, or no rung covered the setting). */
  | 'not-tested';

/** A test is at the worst moment when it came within the margin of this many predicted cycles. */
const LATE_ENOUGH_CYCLES = 10;

/** How long the setting leaves a connection idle between refreshes. */
export function periodOf(setting: RefreshSetting): number {
  switch (setting.kind) {
    case 'keepalive':
      return setting.idleS * 1000;
    case 'heartbeat':
      return setting.periodS * 1000;
    default: {
      const never: never = setting;
      throw new Error(`unknown setting ${JSON.stringify(never)}`);
    }
  }
}

/** The verdict in one direction, for a path whose measured timeout is at most `timeoutMs`. */
export function directionVerdict(evidence: DirectionEvidence, timeoutMs: number): DirectionVerdict {
  const { refreshed, control } = evidence;
  if (refreshed === null || control === null) return { verdict: 'inconclusive', why: 'not-tested' };
  // A control that died shows the path evicts, whenever it died; one that survived says so only
  // if it was held past the timeout.
  if (control.outcome.alive) {
    const why = control.heldMs < timeoutMs ? 'control-held-too-briefly' : 'control-survived';
    return { verdict: 'inconclusive', why };
  }
  // A refreshed connection that died proves the setting fails, however long it was held: the
  // path evicted it in spite of its refreshes.
  if (!refreshed.outcome.alive)
    return { verdict: 'failed', how: refreshed.outcome.how, heldMs: refreshed.heldMs };
  if (refreshed.heldMs < timeoutMs) return { verdict: 'inconclusive', why: 'held-too-briefly' };
  // A prediction drifts with every cycle (worst-moment.ts); ten cycles' worth is still late enough.
  const periodMs = periodOf(refreshed.setting);
  if (refreshed.idleAtTestMs < periodMs - worstMomentMarginMs(periodMs, LATE_ENOUGH_CYCLES)) {
    return { verdict: 'inconclusive', why: 'not-at-worst-moment' };
  }
  return { verdict: 'proven', heldMs: refreshed.heldMs };
}

/** The verdict over every direction tested: proven only where each one is. */
export function overallVerdict(
  verdicts: Partial<Record<Direction, DirectionVerdict>>,
): 'proven' | 'failed' | 'inconclusive' {
  const all = Object.values(verdicts);
  if (all.length === 0) return 'inconclusive';
  if (all.some((v) => v.verdict === 'failed')) return 'failed';
  return all.every((v) => v.verdict === 'proven') ? 'proven' : 'inconclusive';
}
