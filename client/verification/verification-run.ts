/**
 * Verification during discovery: the ladder of held connections (ladder.ts), opened beside the
 * probes as the run goes, and at the end the tests that prove or fail the recommended setting on
 * this very path (verdict.ts). The probes never see any of it: these are connections of their own.
 *
 *   start ── controls (no refresh) ──────────────────────────────────────────── test now ✗ (must die)
 *         ── rung k opens at 0.1·k: 4 keepalive phases, 2 heartbeat phases ───── test at the worst
 *         ── ... rungs far below what survived are retired ...                   moment ✓
 *                                                            search ends ──► conclude()
 *
 * Timers it owns, cleared by stop(): the next rung opening; each held connection owns its own.
 * It adds little wall time: the rungs are older than T when the search ends, and of the phases of
 * every rung between the recommendation and the longest survival, the soonest worst moment is
 * about a tenth of T away.
 */
import type { ProbeEventKind, ProbeId } from '../../protocol/wire.js';
import type { Direction } from '../search/types.js';
import type { UnsupportedReason } from '../keepalive/apply-keepalive.js';
import { HeldConnection, type HeldTest, type Refresh } from './held-connection.js';
import { keepaliveSkipReason, type HeldPath, type KernelKeepalive } from './held-keepalive.js';
import {
  HEARTBEAT_PHASES,
  KEEPALIVE_PHASES,
  ladderRungsS,
  phaseOffsetsMs,
  rungOpensAtMs,
  rungWanted,
} from './ladder.js';
import { worstMomentMarginMs, worstMomentSchedule } from './worst-moment.js';
import {
  directionVerdict,
  overallVerdict,
  type DirectionEvidence,
  type DirectionVerdict,
  type RefreshSetting,
} from './verdict.js';

interface ScheduledTest {
  test: Promise<HeldTest>;
  connection: HeldConnection;
  atMs: number;
}

export interface VerificationRunOptions extends HeldPath {
  minS: number;
  maxS: number;
  /** The directions searched: one control connection each. */
  directions: readonly Direction[];
  /** The platform whose keepalive support decides whether keepalive is verified (default: this one). */
  platform?: NodeJS.Platform;
}

/** What the search found, that the verification is asked to prove. */
export interface VerificationPlan {
  /** The keepalive to prove, or null where none is recommended. */
  keepalive: { idleS: number; intervalS: number; count: number } | null;
  /** The heartbeat to prove, or null. */
  heartbeatS: number | null;
  /** Whether the heartbeat is what is recommended (TCP keepalive cannot help): then it is waited for. */
  heartbeatRequired: boolean;
  /** The measured timeout's upper bound (the shortest eviction), and the longest survival below it. */
  timeoutMs: number;
  survivedMs: number;
  /** Directions to prove, the one that dies first first. */
  directions: readonly Direction[];
}

export interface SettingVerification {
  setting: RefreshSetting;
  /** The setting of the connections actually tested (the same, or a longer idle). */
  testedWith: Partial<Record<Direction, RefreshSetting>>;
  verdict: 'proven' | 'failed' | 'inconclusive';
  directions: Partial<Record<Direction, DirectionVerdict>>;
  tests: Partial<Record<Direction, HeldTest>>;
  /** What the kernel held on each keepalive connection tested (getsockopt); absent for a heartbeat. */
  kernel: Partial<Record<Direction, KernelKeepalive>>;
}

export interface VerificationResult {
  keepalive: SettingVerification | null;
  heartbeat: SettingVerification | null;
  /** Why keepalive was not verified at all (this platform cannot set it), or null. */
  keepaliveSkipped: UnsupportedReason | null;
  /** The control connections' tests: each must have died for any proof to stand. */
  controls: Partial<Record<Direction, HeldTest>>;
  /** Held connections opened over the run. */
  connectionsOpened: number;
}

export class VerificationRun {
  private readonly rungsS: number[];
  private readonly held = new Map<ProbeId, HeldConnection>();
  private readonly controls = new Map<Direction, HeldConnection>();
  private readonly startedMs: number;
  private nextRung = 0;
  private openTimer: NodeJS.Timeout | null = null;
  private survivedMs: number | null = null;
  private opened = 0;
  private stopped = false;
  private concluding = false;
  /** Checked before anything opens: where keepalive cannot be set, no keepalive rung is held. */
  private readonly keepaliveSkipped: UnsupportedReason | null;

  constructor(private readonly options: VerificationRunOptions) {
    this.rungsS = ladderRungsS(options.minS, options.maxS);
    this.startedMs = options.now();
    this.keepaliveSkipped = keepaliveSkipReason(options.platform ?? process.platform);
  }

  start(): void {
    for (const direction of this.options.directions) {
      this.controls.set(direction, this.hold({ kind: 'none' }, null, 0));
    }
    this.openDueRungs();
  }

  /** Routes a reflector event: true when the probe is one of the verification's. */
  onReflectorEvent(probe: ProbeId, event: ProbeEventKind): boolean {
    const connection = this.held.get(probe);
    if (connection === undefined) return false;
    connection.onReflectorEvent(event);
    return true;
  }

  /** The longest idle that survived so far, in the direction that survives least: retires rungs. */
  observeSurvival(survivedMs: number | null): void {
    // Once the tests are booked nothing is retired: a connection under test must see its answer.
    if (this.concluding) return;
    this.survivedMs = survivedMs;
    for (const [id, connection] of this.held) {
      if (connection.rungS !== null && !rungWanted(connection.rungS, survivedMs)) {
        connection.destroy();
        this.held.delete(id);
      }
    }
  }

  /** Takes the tests at their worst moments and resolves with the verdicts. */
  async conclude(plan: VerificationPlan): Promise<VerificationResult> {
    this.concluding = true;
    this.stopOpening();
    const nowMs = this.options.now();
    const controlTests = this.testControls(plan.directions, nowMs, plan.timeoutMs);
    const keepalive =
      plan.keepalive === null || this.keepaliveSkipped !== null
        ? null
        : ({ kind: 'keepalive', ...plan.keepalive } satisfies RefreshSetting);
    const heartbeat =
      plan.heartbeatS === null ? null : ({ kind: 'heartbeat', periodS: plan.heartbeatS } as const);
    const keepaliveTests = keepalive === null ? null : this.testSetting(keepalive, plan, nowMs, null);
    // A heartbeat nobody needs is tested only where it costs no wait beyond the keepalive's tests.
    // Where keepalive cannot be verified here, the heartbeat is all there is: it is waited for too.
    const heartbeatWaited = plan.heartbeatRequired || (plan.keepalive !== null && keepalive === null);
    const deadlineMs = heartbeatWaited ? null : latestTestMs(keepaliveTests, nowMs);
    const heartbeatTests = heartbeat === null ? null : this.testSetting(heartbeat, plan, nowMs, deadlineMs);
    const controls = await settle(controlTests);
    const result: VerificationResult = {
      keepalive: keepalive === null ? null : await this.verdicts(keepalive, keepaliveTests, controls, plan),
      heartbeat: heartbeat === null ? null : await this.verdicts(heartbeat, heartbeatTests, controls, plan),
      keepaliveSkipped: plan.keepalive === null ? null : this.keepaliveSkipped,
      controls,
      connectionsOpened: this.opened,
    };
    this.stop();
    return result;
  }

  stop(): void {
    this.stopped = true;
    this.stopOpening();
    for (const connection of this.held.values()) connection.destroy();
    this.held.clear();
    this.controls.clear();
  }

  private stopOpening(): void {
    if (this.openTimer !== null) clearTimeout(this.openTimer);
    this.openTimer = null;
    this.nextRung = this.rungsS.length;
  }

  private hold(refresh: Refresh, rungS: number | null, phaseOffsetMs: number): HeldConnection {
    const id = this.options.allocateProbeId();
    const connection = new HeldConnection(
      id,
      refresh,
      rungS,
      phaseOffsetMs,
      this.options.dial,
      this.options.session,
      {
        now: this.options.now,
        rttMs: this.options.rttMs,
        push: this.options.push,
        applyKeepalive: this.options.applyKeepalive,
        link: this.options.link,
        graceMs: this.options.graceMs,
      },
    );
    this.held.set(id, connection);
    this.opened++;
    return connection;
  }

  /** Opens every rung due by now, and books a timer for the next one. */
  private openDueRungs(): void {
    this.openTimer = null;
    if (this.stopped) return;
    const elapsedMs = this.options.now() - this.startedMs;
    while (this.nextRung < this.rungsS.length) {
      const rungS = this.rungsS[this.nextRung] as number;
      if (rungOpensAtMs(rungS) > elapsedMs) break;
      this.nextRung++;
      if (!rungWanted(rungS, this.survivedMs)) continue;
      // The interval and count matter only once a keepalive goes unanswered; the idle is what is proven.
      const keepalive: Refresh = { kind: 'keepalive', idleS: rungS, intervalS: intervalFor(rungS), count: 3 };
      if (this.keepaliveSkipped === null)
        for (const offset of phaseOffsetsMs(rungS, KEEPALIVE_PHASES)) this.hold(keepalive, rungS, offset);
      const heartbeat: Refresh = { kind: 'heartbeat', periodS: rungS };
      for (const offset of phaseOffsetsMs(rungS, HEARTBEAT_PHASES)) this.hold(heartbeat, rungS, offset);
    }
    const next = this.rungsS[this.nextRung];
    if (next === undefined) return;
    const dueMs = this.startedMs + rungOpensAtMs(next);
    this.openTimer = setTimeout(() => this.openDueRungs(), Math.max(0, dueMs - this.options.now()));
  }

  private testControls(
    directions: readonly Direction[],
    nowMs: number,
    timeoutMs: number,
  ): Map<Direction, Promise<HeldTest>> {
    const tests = new Map<Direction, Promise<HeldTest>>();
    for (const direction of directions) {
      const control = this.controls.get(direction);
      if (control === undefined) continue;
      // Held well past the timeout, or its survival would say nothing: an idle at the shortest
      // eviction seen may just survive, where the boundary is a few ms off.
      const dueMs = control.heldSinceMs + timeoutMs + worstMomentMarginMs(timeoutMs);
      if (control.alive) tests.set(direction, control.test(direction, Math.max(nowMs, dueMs)));
      else if (control.diedWhileHeld !== null)
        tests.set(direction, Promise.resolve(deathTest(control, direction)));
    }
    return tests;
  }

  /**
   * Tests of `setting`: for each direction, the connection of a rung between the setting and the
   * longest survival (its retry included) whose worst moment comes first (the direction that dies first picks
   * first).
   * With `deadlineMs`, only tests due by then.
   */
  private testSetting(
    setting: RefreshSetting,
    plan: VerificationPlan,
    nowMs: number,
    deadlineMs: number | null,
  ): Map<Direction, ScheduledTest> {
    const wantS = setting.kind === 'keepalive' ? setting.idleS : setting.periodS;
    const candidates = [...this.held.values()].filter(
      (c) =>
        c.refresh.kind === setting.kind &&
        c.rungS !== null &&
        c.rungS >= wantS &&
        (c.rungS + retryS(c.refresh)) * 1000 <= plan.survivedMs,
    );
    const schedule = worstMomentSchedule(
      candidates
        .filter((c) => c.alive && c.periodMs !== null)
        .map((c) => ({
          id: c,
          periodMs: c.periodMs as number,
          lastRefreshMs: c.lastKnownRefreshMs,
          notBeforeMs: c.heldSinceMs + plan.timeoutMs,
        })),
      nowMs,
    );
    const tests = new Map<Direction, ScheduledTest>();
    for (const direction of plan.directions) {
      const slot = schedule.shift();
      if (slot !== undefined && (deadlineMs === null || slot.atMs <= deadlineMs)) {
        tests.set(direction, {
          test: slot.id.test(direction, slot.atMs),
          connection: slot.id,
          atMs: slot.atMs,
        });
        continue;
      }
      // Every candidate of the setting died while held: that answers the question too.
      const dead = candidates.find(
        (c) => c.diedWhileHeld !== null && ![...tests.values()].some((t) => t.connection === c),
      );
      if (dead !== undefined && !candidates.some((c) => c.alive)) {
        const test = deathTest(dead, direction);
        tests.set(direction, { test: Promise.resolve(test), connection: dead, atMs: test.atMs });
      }
    }
    return tests;
  }

  private async verdicts(
    setting: RefreshSetting,
    tests: Map<Direction, ScheduledTest> | null,
    controls: Partial<Record<Direction, HeldTest>>,
    plan: VerificationPlan,
  ): Promise<SettingVerification> {
    const directions: Partial<Record<Direction, DirectionVerdict>> = {};
    const done: Partial<Record<Direction, HeldTest>> = {};
    const testedWith: Partial<Record<Direction, RefreshSetting>> = {};
    const kernel: Partial<Record<Direction, KernelKeepalive>> = {};
    for (const direction of plan.directions) {
      const entry = tests?.get(direction);
      const test = entry === undefined ? null : await entry.test;
      const control = controls[direction] ?? null;
      if (test !== null && entry !== undefined) {
        done[direction] = test;
        testedWith[direction] = entry.connection.refresh as RefreshSetting;
        const readBack = entry.connection.keepaliveReadBack;
        if (readBack !== null) kernel[direction] = readBack;
      }
      const evidence: DirectionEvidence = {
        refreshed:
          test === null || entry === undefined
            ? null
            : {
                outcome: test.outcome,
                heldMs: test.heldMs,
                idleAtTestMs: test.idleAtTestMs,
                setting: entry.connection.refresh as RefreshSetting,
              },
        control: control === null ? null : { outcome: control.outcome, heldMs: control.heldMs },
      };
      directions[direction] = directionVerdict(evidence, plan.timeoutMs);
    }
    return { setting, testedWith, verdict: overallVerdict(directions), directions, tests: done, kernel };
  }
}

/** The keepalive retry interval of a rung: a tenth of the timeout it is meant for, 1 s to 75 s. */
export function intervalFor(rungS: number): number {
  return Math.min(75, Math.max(1, Math.floor(rungS / 7)));
}

/**
 * How much later than its idle a lost refresh is retried: a rung counts as within the survival
 * only if that retry is too (a path that loses packets, as the lab's nat-lossy, loses keepalives).
 */
function retryS(refresh: Refresh): number {
  return refresh.kind === 'keepalive' ? refresh.intervalS : 0;
}

/** A connection that died while held, as a test: evicted, dated when it died. */
function deathTest(connection: HeldConnection, direction: Direction): HeldTest {
  const death = connection.diedWhileHeld as NonNullable<HeldConnection['diedWhileHeld']>;
  return {
    direction,
    atMs: death.atMs,
    heldMs: death.atMs - connection.heldSinceMs,
    idleAtTestMs: connection.idleAt(death.atMs),
    outcome: { alive: false, how: death.how },
  };
}

async function settle(
  tests: Map<Direction, Promise<HeldTest>>,
): Promise<Partial<Record<Direction, HeldTest>>> {
  const out: Partial<Record<Direction, HeldTest>> = {};
  for (const [direction, test] of tests) out[direction] = await test;
  return out;
}

/** When the last of these tests goes out (now, if there are none). */
function latestTestMs(tests: Map<Direction, ScheduledTest> | null, nowMs: number): number {
  return Math.max(nowMs, ...[...(tests?.values() ?? [])].map((t) => t.atMs));
}
