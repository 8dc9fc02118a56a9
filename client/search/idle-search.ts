/**
 * The idle-timeout search for one direction: pure, clock-free, driven by events. Reports come in
 * (opened, outcome, diedIdle, ...), actions go out (open, probe, close), and the engine moves
 * between phases, each planned in its own module from its own state and the time:
 *
 *   search     no eviction yet, or a wide bracket: the frontier climbs, then splits the bracket
 *              (frontier.ts).
 *   verify     the bracket is narrow: batches just above hi and just below lo, spread over 2% of T,
 *              before believing it (verification.ts).
 *   sweep      evictions and survivals interleave near the top: batches map the zone until a
 *              likelihood ratio tells a sweep from lost probes, and follow a sweep until a drop is
 *              caught (sweep-planner.ts, sweep-zone.ts).
 *   recheck    evictions depend on how many connections are open (a full table): another pass with
 *              few connections (recheck.ts), at once when the first tests die en masse, else when
 *              the pass ends; or as few as another direction re-checks with, since the directions
 *              share the table (shared-table.ts, shareRecheck()).
 *
 * The connections are clocks (clock-pool.ts); every test goes into the pass record
 * (pass-record.ts); the result carries findings as data (findings.ts), worded by the report. The
 * phases plan on the records plus the tests unanswered well past the RTT (provisional.ts); what
 * cannot be undone (a re-check, closing clocks) waits for the records.
 *
 * Accuracy: idles are measured by the driver's clock; this module adds no error of its own. It
 * never emits work for a connection that is not idle.
 *
 * Over 400 lines: it is the one coordinator of the phases and the driver's contract (SearchEngine);
 * every concept it coordinates is planned in a module of its own, and what is left here is the
 * order of the decisions, which reads best in one place.
 */
import type { Bracket } from './bracket.js';
import { ClockPool, type ClockReading, type OpeningWave, type PhasePlan } from './clock-pool.js';
import { staggeredOpening, staggers } from './opening-waves.js';
import { isClean, judge, SWEEP_MIN_DEPTH_MS, type Judgement } from './evidence.js';
import { confidenceOf, findingsOf } from './findings.js';
import { frontierFor, frontierTargets, isNarrow, type Frontier } from './frontier.js';
import type { TestRecord } from './pass-record.js';
import { plainView, planningView, type PlanningView } from './planning-view.js';
import { provisionalAfterMs, provisionalIdleLimitMs } from './provisional.js';
import {
  fullTableEvident,
  planRecheck,
  shouldRecheck,
  type PassEvidence,
  type PassSummary,
} from './recheck.js';
import { planSweep, withSweepBatch } from './sweep-planner.js';
import { NO_SWEEP, reportedBracket, type SweepState } from './sweep-zone.js';
import type {
  ConnId,
  Direction,
  DirectionResult,
  EvictionKind,
  PassBudget,
  ProbeOutcome,
  SearchAction,
  SearchConfig,
  SearchEngine,
  SearchProgress,
  StopReason,
} from './types.js';
import {
  planVerification,
  stepMs,
  verifiedNow,
  withBatch,
  type Verification,
  type VerificationInput,
} from './verification.js';

/** A search with nothing under way looks again this often (a safety net against stalling). */
const IDLE_POLL_MS = 1000;

/**
 * The search stops, saying so, after this multiple of --max plus the slack: no run takes longer
 * (a re-check and its verification fit well within it).
 */
const DEADLINE_FACTOR = 4;
const DEADLINE_SLACK_MS = 120_000;

type Phase = 'search' | 'verify' | 'sweep';

/** One pass of the search at one connection budget: its tests, and each phase's own state. */
interface Pass {
  readonly budget: number;
  readonly records: TestRecord[];
  readonly frontier: Frontier;
  /** When the pool may grow to how many connections (empty: all at once). */
  readonly openingWaves: readonly OpeningWave[];
  verification: Verification | null;
  sweep: SweepState;
}

function newPass(budget: number, frontier: Frontier, openingWaves: readonly OpeningWave[] = []): Pass {
  return { budget, records: [], frontier, openingWaves, verification: null, sweep: NO_SWEEP };
}

const earliest = (a: number | null, b: number): number => (a === null ? b : Math.min(a, b));

export class IdleSearch implements SearchEngine {
  readonly direction;
  private readonly config: SearchConfig;
  private readonly pool = new ClockPool();
  private readonly allRecords: TestRecord[] = [];
  private pass: Pass;
  private readonly earlierPasses: PassSummary[] = [];
  private nextBatch = 1;
  private stopReason: StopReason | null = null;
  private startedAtMs: number | null = null;
  private done = false;
  /** Settled by another direction (settle()): finish at the next decision. */
  private settledBy: Direction | null = null;
  private settledAtMs: number | null = null;
  /** Another direction re-checks with this many connections (shareRecheck()): follow it. */
  private sharedRecheck: number | null = null;
  /** Unanswered this long, a test is planned as evicted (provisional.ts); null until an RTT is known. */
  private provisionalAfterMs: number | null = null;

  constructor(config: SearchConfig) {
    if (!(config.minMs > 0 && config.maxMs >= config.minMs)) throw new RangeError('need 0 < minMs <= maxMs');
    if (!(config.maxConnections >= 2)) throw new RangeError('need at least 2 connections');
    this.config = config;
    this.direction = config.direction;
    // Over a narrower range the rungs lie where the default range's would (frontier.ts, `rungAbove`).
    const frontier = frontierFor(config.maxConnections, config.minMs, undefined, staggers(config.minMs));
    this.pass = newPass(config.maxConnections, frontier);
  }

  get finished(): boolean {
    return this.done;
  }

  /** The current pass is a full-table re-check. */
  private get rechecking(): boolean {
    return this.earlierPasses.length > 0;
  }

  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null } {
    if (this.done) return { actions: [], wakeAtMs: null };
    const actions: SearchAction[] = [];
    if (this.startedAtMs === null) {
      this.startedAtMs = nowMs;
      this.pass = {
        ...this.pass,
        openingWaves: staggeredOpening(this.pass.budget, this.config.minMs, nowMs),
      };
    }
    // A safety net, not a plan: observations this contradictory will not settle by waiting longer.
    if (nowMs - this.startedAtMs > DEADLINE_FACTOR * this.config.maxMs + DEADLINE_SLACK_MS) {
      this.stopReason = { kind: 'unsettled', afterMs: nowMs - this.startedAtMs };
      this.finish(actions);
      return { actions, wakeAtMs: null };
    }
    if (this.sharedRecheck !== null) {
      // shareRecheck() took only a budget below this pass's, and only decide() changes the pass.
      this.startRecheck(this.evidence(this.judge()), nowMs, actions, this.sharedRecheck);
      this.sharedRecheck = null;
      return { actions, wakeAtMs: nowMs };
    }
    if (this.settledBy !== null) {
      this.settledAtMs = this.judge().bracket.loMs;
      this.finish(actions);
      return { actions, wakeAtMs: null };
    }
    // What is irreversible (a re-check closes every clock, dead weight is closed) is decided on
    // the records alone; the phases plan on the view with provisional evictions (provisional.ts).
    const judgement = this.judge();
    const evidence = this.evidence(judgement);
    if (fullTableEvident(evidence)) {
      this.startRecheck(evidence, nowMs, actions);
      return { actions, wakeAtMs: nowMs };
    }
    const view = this.planningView(judgement, nowMs);
    const phase = this.phaseOf(view.judgement);
    const { targets, wakeAtMs: dueMs } = this.plan(phase, view, nowMs);
    if (targets === null) {
      if (this.pool.hasPending()) return { actions, wakeAtMs: view.provisionalAtMs };
      if (shouldRecheck(evidence)) {
        this.startRecheck(evidence, nowMs, actions);
        return { actions, wakeAtMs: nowMs };
      }
      this.finish(actions);
      return { actions, wakeAtMs: null };
    }

    if (view.provisional === 0) this.closeDeadWeight(judgement, nowMs, actions);
    const batch = this.nextBatch++;
    const probesBefore = this.pool.probesSent;
    let wakeAtMs = this.pool.probeTargets(targets, nowMs, batch, actions);
    // A batch's answers are due by the provisional mark: plan again then, on them (and on its
    // provisional evictions, where the pass plans on them).
    const markMs = this.answersDueMs();
    if (this.pool.probesSent > probesBefore && markMs !== null) wakeAtMs = earliest(wakeAtMs, nowMs + markMs);
    if (this.pool.probesSent > probesBefore) {
      // A verification or sweep batch counts from the moment it really tested something.
      const pass = this.pass;
      if (phase === 'verify' && pass.verification !== null)
        pass.verification = withBatch(pass.verification, batch, nowMs);
      if (phase === 'sweep') pass.sweep = withSweepBatch(pass.sweep, batch, nowMs);
    }
    this.pool.retireStale(targets, nowMs, this.pass.budget, actions);
    const { budget, openingWaves } = this.pass;
    const nextWaveMs = this.pool.refill(nowMs, budget, openingWaves, this.config.maxConnections, actions);
    if (nextWaveMs !== null) wakeAtMs = earliest(wakeAtMs, nextWaveMs);
    if (dueMs !== null && dueMs > nowMs) wakeAtMs = earliest(wakeAtMs, dueMs);
    if (view.provisionalAtMs !== null) wakeAtMs = earliest(wakeAtMs, view.provisionalAtMs);
    // Nothing under way and nothing to wake for would stall the run: look again shortly.
    if (wakeAtMs === null && !this.pool.hasPending() && actions.every((a) => a.type !== 'open'))
      wakeAtMs = nowMs + IDLE_POLL_MS;
    return { actions, wakeAtMs };
  }

  controlRtt(rttMs: number): void {
    this.provisionalAfterMs = provisionalAfterMs(rttMs);
  }

  opened(conn: ConnId, idleSinceMs: number): void {
    this.pool.opened(conn, idleSinceMs);
  }

  openFailed(conn: ConnId, _nowMs: number, _reason: string): void {
    this.pool.openFailed(conn);
  }

  outcome(conn: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): void {
    this.record(this.pool.outcome(conn, nowMs, outcome, testedAtMs));
  }

  diedIdle(conn: ConnId, nowMs: number, how: EvictionKind): void {
    this.record(this.pool.diedIdle(conn, nowMs, how));
  }

  forget(conn: ConnId): void {
    this.pool.forget(conn);
  }

  passBudget(): PassBudget {
    return { budget: this.pass.budget, recheck: this.rechecking, finished: this.done };
  }

  shareRecheck(budget: number): void {
    if (budget >= this.pass.budget) return;
    if (this.done) {
      // Reopened: its last re-check ran beside a larger one and is suspect (shared-table.ts).
      const aborted = this.stopReason?.kind === 'aborted';
      if (!this.rechecking || aborted) return;
      this.done = false;
      this.stopReason = null;
      this.settledBy = null;
      this.settledAtMs = null;
    }
    this.sharedRecheck = Math.min(this.sharedRecheck ?? budget, budget);
  }

  settle(by: Direction): void {
    if (this.done || by === this.direction) return;
    this.settledBy = by;
  }

  abort(reason: string): void {
    if (this.done) return;
    this.stopReason = { kind: 'aborted', message: reason };
    this.done = true;
    this.pool.clear();
  }

  result(): DirectionResult {
    const judgement = this.judge();
    const { records, sweep, budget } = this.pass;
    const bracket = reportedBracket(judgement, records, sweep.batches, this.config);
    return {
      direction: this.direction,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      eviction: bracket.eviction,
      confidence: confidenceOf(judgement, records),
      findings: findingsOf({
        stopReason: this.stopReason,
        settled: this.settledBy === null ? null : { by: this.settledBy, searchedToMs: this.settledAtMs },
        earlierPasses: this.earlierPasses,
        budget,
        judgement,
        records,
        sweepBatches: sweep.batches,
        openFailures: this.pool.openFailures,
        limits: this.config,
      }),
      notes: [],
      probesSent: this.pool.probesSent,
      connectionsOpened: this.pool.connectionsOpened,
      peakConnections: this.pool.peakConnections,
      observations: this.allRecords.map(({ batch: _batch, first: _first, ...o }) => o),
    };
  }

  progress(nowMs: number): SearchProgress {
    const { bracket } = this.judge();
    const etaMs = this.estimateFinish(bracket, nowMs);
    const progress = this.pool.progress(this.direction, bracket, this.allRecords, nowMs, this.done, etaMs);
    return { ...progress, recheck: this.rechecking, budget: this.pass.budget };
  }

  private judge(records: readonly TestRecord[] = this.pass.records): Judgement {
    return judge(records, this.pass.sweep.noSweepAtOrBelowMs, SWEEP_MIN_DEPTH_MS);
  }

  /** What the phases plan on now (planning-view.ts). */
  private planningView(real: Judgement, nowMs: number): PlanningView {
    return planningView({
      real,
      records: this.pass.records,
      probing: this.pool.probing(),
      nowMs,
      afterMs: this.provisionalMs(real),
      maxIdleMs: this.provisionalIdleLimitMs(real),
      judge: (records) => this.judge(records),
    });
  }

  /** How long an unanswered test waits to be planned as evicted now (null: never; provisional.ts). */
  private provisionalMs(judgement: Judgement): number | null {
    return this.provisionalIdleLimitMs(judgement) > 0 ? this.provisionalAfterMs : null;
  }

  /**
   * When a batch's answers are all due (the provisional mark), in a pass that may plan
   * provisionally at all; null in a re-check. The robustness table was measured with this look.
   */
  private answersDueMs(): number | null {
    return this.rechecking ? null : this.provisionalAfterMs;
  }

  /** The longest test planned on provisionally now (provisional.ts). */
  private provisionalIdleLimitMs(judgement: Judgement): number {
    const { budget } = this.pass;
    return provisionalIdleLimitMs({ budget, recheck: this.rechecking, clean: isClean(judgement) });
  }

  private evidence(judgement: Judgement): PassEvidence {
    return {
      budget: this.pass.budget,
      bracket: judgement.bracket,
      records: this.pass.records,
      lossSuspects: judgement.lossSuspects,
      pending: this.pool.hasPending(),
      rechecked: this.rechecking,
    };
  }

  private phaseOf({ bracket, sweepZone }: Judgement): Phase {
    if (sweepZone.length > 0) return 'sweep';
    return isNarrow(this.config, bracket) ? 'verify' : 'search';
  }

  private verificationInput(view: PlanningView, nowMs: number): VerificationInput {
    const { bracket, lossSuspects } = view.judgement;
    const { records } = view;
    const pending = view.pending.length > 0;
    // Pipelined verification (verification.ts) only in a first pass with no hint of noise.
    const pipelined = !this.rechecking && isClean(view.judgement);
    return {
      bracket,
      records,
      lossSuspects: lossSuspects.size,
      pending,
      nowMs,
      limits: this.config,
      pipelined,
    };
  }

  /** The phase's targets and wake-up, its planner's new state kept. */
  private plan(phase: Phase, view: PlanningView, nowMs: number): Omit<PhasePlan<unknown>, 'state'> {
    const pass = this.pass;
    const { judgement } = view;
    switch (phase) {
      case 'search':
        return {
          targets: frontierTargets(pass.frontier, this.config, judgement.bracket, view.pending),
          wakeAtMs: null,
        };
      case 'verify': {
        const { state, ...plan } = planVerification(pass.verification, this.verificationInput(view, nowMs));
        pass.verification = state;
        return plan;
      }
      case 'sweep': {
        const { records } = view;
        const input = { judgement, records, pending: view.pending.length > 0, nowMs, limits: this.config };
        const { state, ...plan } = planSweep(pass.sweep, input);
        pass.sweep = state;
        return plan;
      }
      default: {
        const never: never = phase;
        throw new Error(`unknown phase ${String(never)}`);
      }
    }
  }

  /** A connection already idle well past a verified eviction can only die: free its slot. */
  private closeDeadWeight(judgement: Judgement, nowMs: number, actions: SearchAction[]): void {
    const { hiMs } = judgement.bracket;
    if (hiMs === null || judgement.sweepZone.length > 0) return;
    const input = this.verificationInput(
      plainView(judgement, this.pass.records, this.pool.pendingIdles()),
      nowMs,
    );
    const { state, verified } = verifiedNow(this.pass.verification, input);
    this.pass.verification = state;
    const limitMs = hiMs + 3 * stepMs(this.config.resolutionMs, hiMs);
    if (verified) this.pool.closeIdleOver(limitMs, nowMs, actions);
  }

  private startRecheck(
    evidence: PassEvidence,
    nowMs: number,
    actions: SearchAction[],
    budget?: number,
  ): void {
    const plan = planRecheck(evidence, this.config, nowMs, budget);
    this.earlierPasses.push(plan.summary);
    this.pool.closeAll(actions);
    this.pass = newPass(plan.budget, plan.frontier, plan.openingWaves);
  }

  private record(reading: ClockReading | null): void {
    if (reading === null) return;
    const record: TestRecord = { ...reading.observation, batch: reading.batch, first: reading.first };
    this.pass.records.push(record);
    this.allRecords.push(record);
  }

  private finish(actions: SearchAction[]): void {
    this.pool.closeAll(actions);
    this.done = true;
  }

  private estimateFinish(bracket: Bracket, nowMs: number): number | null {
    if (bracket.hiMs === null) return null;
    const width = bracket.hiMs - (bracket.loMs ?? this.config.minMs);
    return nowMs + Math.max(0, width) + 2 * stepMs(this.config.resolutionMs, bracket.hiMs);
  }
}
