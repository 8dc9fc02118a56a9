/**
 * `idlescope verify`'s run for one fixed setting (fixed-setting.ts plans it): opens the held
 * connections and the controls at once, holds them for the hold, tests each once at its worst
 * moment past the hold, and gives the verdict per connection and per direction (verdict.ts).
 *
 *   start ── n held (setting, phases spread) ──── hold ────┬─ each: test at its worst moment
 *         ── controls (no refresh) ──────────────  hold ───┴─ each: test at the hold (must die)
 *                                                             └──► result (all answered)
 *
 * Timers it owns, cleared by stop(): one booking per connection (when its test is scheduled); each
 * held connection owns its own. Accuracy: that of held-connection.ts and worst-moment.ts.
 */
import type { ProbeEventKind, ProbeId } from '../../protocol/wire.js';
import type { Direction } from '../search/types.js';
import { HeldConnection, type HeldTest, type Refresh } from './held-connection.js';
import type { HeldPath, KernelKeepalive } from './held-keepalive.js';
import { bookingAtMs, type FixedSettingPlan } from './fixed-setting.js';
import { nextWorstMomentMs, worstMomentMarginMs } from './worst-moment.js';
import {
  directionVerdict,
  overallVerdict,
  periodOf,
  type DirectionVerdict,
  type RefreshSetting,
} from './verdict.js';

/** How often a test booked before its connection is attached looks again, ms. */
const ATTACH_RETRY_MS = 100;

export interface SettingRunOptions extends HeldPath {
  plan: FixedSettingPlan;
  /** The timer the setting is meant to beat, ms: a test proves something only past it (default: the hold). */
  timeoutMs: number;
}

/** One held connection's fate. */
export interface HeldConnectionResult {
  probe: ProbeId;
  direction: Direction;
  setting: RefreshSetting;
  phaseOffsetMs: number;
  test: HeldTest;
  verdict: DirectionVerdict;
  /** What the kernel held on it (keepalive only; getsockopt). */
  kernel: KernelKeepalive | null;
}

export interface SettingRunResult {
  setting: RefreshSetting;
  holdMs: number;
  verdict: 'proven' | 'failed' | 'inconclusive';
  directions: Partial<Record<Direction, DirectionVerdict>>;
  connections: HeldConnectionResult[];
  controls: Partial<Record<Direction, HeldTest>>;
}

interface Booked {
  connection: HeldConnection;
  direction: Direction;
  setting: RefreshSetting | null;
  phaseOffsetMs: number;
  test: Promise<HeldTest>;
}

export class SettingRun {
  private readonly held = new Map<ProbeId, HeldConnection>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private booked: Booked[] = [];
  private stopped = false;

  constructor(private readonly options: SettingRunOptions) {}

  /** Routes a reflector event: true when the probe is one of this run's. */
  onReflectorEvent(probe: ProbeId, event: ProbeEventKind): boolean {
    const connection = this.held.get(probe);
    if (connection === undefined) return false;
    connection.onReflectorEvent(event);
    return true;
  }

  /** Opens every connection, holds them, tests them, and resolves with the verdicts. */
  async run(): Promise<SettingRunResult> {
    const { plan } = this.options;
    for (const direction of plan.controls) this.book(this.hold({ kind: 'none' }, 0), direction, null, 0);
    for (const h of plan.held)
      this.book(this.hold(h.setting, h.phaseOffsetMs), h.direction, h.setting, h.phaseOffsetMs);
    const tests = await Promise.all(this.booked.map((b) => b.test));
    const controls: Partial<Record<Direction, HeldTest>> = {};
    const connections: HeldConnectionResult[] = [];
    this.booked.forEach((b, i) => {
      if (b.setting === null) controls[b.direction] = tests[i] as HeldTest;
    });
    this.booked.forEach((b, i) => {
      if (b.setting === null) return;
      const test = tests[i] as HeldTest;
      const control = controls[b.direction];
      const verdict = directionVerdict(
        {
          refreshed: {
            outcome: test.outcome,
            heldMs: test.heldMs,
            idleAtTestMs: test.idleAtTestMs,
            setting: b.setting,
          },
          control: control === undefined ? null : { outcome: control.outcome, heldMs: control.heldMs },
        },
        this.options.timeoutMs,
      );
      connections.push({
        probe: b.connection.id,
        direction: b.direction,
        setting: b.setting,
        phaseOffsetMs: b.phaseOffsetMs,
        test,
        verdict,
        kernel: b.connection.keepaliveReadBack,
      });
    });
    const directions: Partial<Record<Direction, DirectionVerdict>> = {};
    for (const direction of plan.controls) {
      directions[direction] = combine(
        connections.filter((c) => c.direction === direction).map((c) => c.verdict),
      );
    }
    this.stop();
    return {
      setting: plan.held[0]?.setting as RefreshSetting,
      holdMs: plan.holdMs,
      verdict: overallVerdict(directions),
      directions,
      connections,
      controls,
    };
  }

  /** Tears every connection down and clears every timer. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const connection of this.held.values()) connection.destroy();
    this.held.clear();
  }

  /** One timer this run owns (stop() clears it). */
  private later(then: () => void, delayMs: number): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        then();
      },
      Math.max(0, delayMs),
    );
    this.timers.add(timer);
  }

  private hold(refresh: Refresh, phaseOffsetMs: number): HeldConnection {
    const { options } = this;
    const id = options.allocateProbeId();
    const connection = new HeldConnection(id, refresh, null, phaseOffsetMs, options.dial, options.session, {
      now: options.now,
      rttMs: options.rttMs,
      push: options.push,
      applyKeepalive: options.applyKeepalive,
      graceMs: options.graceMs,
      link: options.link,
    });
    this.held.set(id, connection);
    return connection;
  }

  /**
   * Books the test of `connection`: a control at the hold, a refreshed one at its first worst
   * moment past the hold, chosen a couple of periods before from its latest known refresh.
   */
  private book(
    connection: HeldConnection,
    direction: Direction,
    setting: RefreshSetting | null,
    phaseOffsetMs: number,
  ): void {
    const holdMs = this.options.plan.holdMs;
    const test = new Promise<HeldTest>((resolve) => {
      const periodMs = setting === null ? 0 : periodOf(setting);
      const at = (): number => bookingAtMs(connection.heldSinceMs, holdMs, periodMs);
      const attempt = (): void => {
        if (this.stopped) return;
        // Not attached yet (a short hold books at once): look again shortly, until the hold is over.
        if (connection.opening && this.options.now() < connection.heldSinceMs + holdMs) {
          this.later(attempt, ATTACH_RETRY_MS);
          return;
        }
        if (!connection.alive) {
          resolve(deathOrLoss(connection, direction, this.options.now()));
          return;
        }
        const dueMs = connection.heldSinceMs + holdMs;
        // A control is tested a margin past the hold, never just at it: held for less than the
        // timeout, its survival would say nothing (verdict.ts), and timers slip under load.
        const atMs =
          connection.periodMs === null
            ? dueMs + worstMomentMarginMs(holdMs)
            : (nextWorstMomentMs(connection.periodMs, connection.lastKnownRefreshMs, dueMs) ?? dueMs);
        connection
          .test(direction, atMs)
          .then(resolve, () => resolve(deathOrLoss(connection, direction, this.options.now())));
      };
      this.later(attempt, at() - this.options.now());
    });
    this.booked.push({ connection, direction, setting, phaseOffsetMs, test });
  }
}

/** A connection that died (or never attached) before its test: evicted, dated when it died. */
function deathOrLoss(connection: HeldConnection, direction: Direction, nowMs: number): HeldTest {
  const death = connection.diedWhileHeld;
  const atMs = death?.atMs ?? nowMs;
  return {
    direction,
    atMs,
    heldMs: atMs - connection.heldSinceMs,
    idleAtTestMs: connection.idleAt(atMs),
    outcome: { alive: false, how: death?.how ?? 'reset' },
  };
}

/** A direction's verdict from its connections': failed if any failed, proven only if all were. */
function combine(verdicts: DirectionVerdict[]): DirectionVerdict {
  const failed = verdicts.find((v) => v.verdict === 'failed');
  if (failed !== undefined) return failed;
  const inconclusive = verdicts.find((v) => v.verdict === 'inconclusive');
  if (inconclusive !== undefined) return inconclusive;
  const proven = verdicts.filter(
    (v): v is Extract<DirectionVerdict, { verdict: 'proven' }> => v.verdict === 'proven',
  );
  if (proven.length === 0) return { verdict: 'inconclusive', why: 'not-tested' };
  return { verdict: 'proven', heldMs: Math.min(...proven.map((v) => v.heldMs)) };
}
