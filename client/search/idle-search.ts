/**
 * The idle-timeout search for one direction: pure, clock-free, driven by events.
 *
 * Every probe connection is a clock that started at its last packet: at time t it offers idle
 * t - idleSince, and probing it tests exactly that idle. A survivor is idle again from the reply,
 * so it is recycled as a fresh clock; an evicted one is closed. The search decides, from what it
 * has seen, which idle values are worth testing and probes a connection the moment its idle
 * crosses one of them.
 *
 *   search     no eviction yet: test at lo x q (pipelined: a pending probe counts as survived for
 *              planning); the oldest connection crosses it first.
 *              bracket (lo, hi]: split every gap wider than the resolution into equal parts and
 *              test all the split points at once (k-ary: one round when clocks are near them).
 *   verify     the bracket is narrow: test just above hi and just below lo, in batches spread over
 *              2% of T, before believing it. A survival above hi means the eviction at hi was a
 *              lost probe (or a sweep), a death below lo a loss or a sweep; the search goes on.
 *   sweep      evictions and survivals interleave near the top: test the zone in batches, each
 *              at one instant, until a likelihood ratio tells a sweep from lost probes; a sweep is
 *              then followed (its boundary rises with time until the collector drops it back)
 *              until a drop is caught, and the zone reported from what the sawtooth proves.
 *   recheck    evictions depend on how many connections are open (a full table): run again with
 *              few connections (16, then 4 if that still overflows) and say how the results
 *              differ; at once when the first tests die en masse, else when the pass ends.
 *
 *   time ──►  0            lo·q        ...        T    T·q   ~1.1 T
 *   frontier  ●───────────●───────────●───────────●────✗      first eviction: (T/q, T·q]
 *   comb      recycled clocks sweep upward through the bracket; each split point is probed as a
 *             clock crosses it, so the refinement costs about the width of the bracket in time.
 *
 * Recycling makes the pool self-organising: after the frontier has used every connection once,
 * the oldest clock was recycled B probes ago, so it offers about T·(1 - q^-B) when the frontier
 * reaches T (B = connection budget). That, plus q, bounds the wall time near q·T / (1 - q^-B),
 * which is why q depends on the budget (`frontierGrowthFor`): 1.04 from 128 connections up.
 *
 * Accuracy: idles are measured by the driver's clock; this module adds no error of its own. It
 * never emits work for a connection that is not idle.
 */
import type { Bracket } from './bracket.js';
import { ClockPool, CROSSING_TOLERANCE_MS, type ClockReading, type Target } from './clock-pool.js';
import {
  boundaryAtInstant,
  isStrong,
  judge,
  lossWithinBatches,
  sweepLogLikelihoodRatio,
  type Judgement,
} from './evidence.js';
import {
  firstSweepCaughtAtMs,
  sawtoothBounds,
  type InstantBoundary,
  type SawtoothBounds,
} from './sawtooth.js';
import { fewerFailuresPValue } from './statistics.js';
import type {
  ConnId,
  DirectionResult,
  EvictionKind,
  Observation,
  ProbeOutcome,
  SearchAction,
  SearchConfig,
  SearchEngine,
  SearchProgress,
} from './types.js';

/** A search with nothing under way looks again this often (a safety net against stalling). */
const IDLE_POLL_MS = 1000;

/** The search stops, saying so, after this multiple of --max plus the slack. */
const DEADLINE_FACTOR = 4;
const DEADLINE_SLACK_MS = 120_000;

/** Ratio between successive frontier tests before the first eviction: the finest ever used. */
export const FRONTIER_GROWTH = 1.04;

/**
 * The frontier ratio for a budget of B connections. Recycled by a frontier of ratio q, the oldest
 * clock offers about T·(1 - q^-B) when the frontier reaches T, so the first eviction comes near
 * q·T / (1 - q^-B): few connections need a coarser q, or they wait. A coarser q leaves a wider
 * first bracket, about (q - 1)·T, for the comb to refine; about half of it is paid in time. The
 * ratio minimising the two together, never finer than FRONTIER_GROWTH (which 128 connections and
 * more already reach).
 *
 *   B      16     32     64     128+
 *   q    ~1.17  ~1.10  ~1.06   1.04
 */
export function frontierGrowthFor(budget: number): number {
  const cost = (q: number): number => q / (1 - q ** -budget) + FRONTIER_WIDTH_COST * (q - 1);
  let best = FRONTIER_GROWTH;
  for (let q = FRONTIER_GROWTH; q <= MAX_FRONTIER_GROWTH; q += 0.005) if (cost(q) < cost(best)) best = q;
  return best;
}

/** The share of the first bracket's width that the comb pays in wall time. */
const FRONTIER_WIDTH_COST = 0.5;
const MAX_FRONTIER_GROWTH = 1.5;

/** Most parts a gap is split into per round. */
const MAX_SPLIT = 12;

/** Verification and sweep steps: never finer than this fraction of the bound. */
const VERIFY_STEP_FRACTION = 0.01;

/** Verification batches: at least this many, one more per lost probe, at most the maximum. */
const MIN_VERIFY_ROUNDS = 2;
const MAX_VERIFY_ROUNDS = 5;

/** Verification batches span at least this fraction of the bound in time (see `verificationDone`). */
const VERIFY_WATCH_FRACTION = 0.02;

/**
 * A suspected sweep is believed, or dismissed as loss, once the batches favour one over the other
 * by these log odds (100 to 1); until then the search keeps sampling the zone.
 */
const SWEEP_DECISION_LOG_ODDS = Math.log(100);

/**
 * Contradictions this close below the longest survival are timing noise, not a sweep: on a real
 * path a packet TCP had to send again (after 200 ms at least) dates an idle that far off. Measured
 * on the lab's lossy NAT: with none, a 6 s timeout was once reported as a sweep from 4.3 to 8.4 s.
 */
const SWEEP_MIN_DEPTH_MS = 300;

/** The fine frontier's rungs, as a fraction of the resolution. */
const FINE_RUNG_FRACTION = 0.9;

/** A believed sweep is watched for this many of its periods before its zone is reported. */
const SWEEP_PERIODS_WATCHED = 2;

/** Tests a sweep batch spreads below the boundary it predicts, to catch the sweep that drops it. */
const SWEEP_SPARSE_TESTS = 3;

/** Below the zone, sweep batches reach at most 2^this steps lower. */
const MAX_SWEEP_REACH_DOUBLINGS = 4;

/** A sweep is sampled in at most this many batches. */
const MAX_SWEEP_BATCHES = 24;

/**
 * A pass is re-checked when its first tests went unanswered at least this many times, and more
 * often than its later tests by more than chance allows (this p-value, one-sided).
 */
const RECHECK_MIN_CONTRADICTED = 4;
const RECHECK_P_VALUE = 0.01;

/**
 * Weaker evidence of the same (this p-value) is enough when many tests went unanswered (this
 * share): a full table's victims are not all first tests (a tested connection that sits idle long
 * becomes the least recently used again), and a wrong answer costs more than a re-check.
 */
const RECHECK_SUSPECT_P_VALUE = 0.05;
const RECHECK_SUSPECT_LOST_SHARE = 0.05;

/**
 * So many tests unanswered (this share) that the pass is re-checked whatever struck them: heavy
 * loss on the path, or a table so small that it evicts everything, which few connections tell apart.
 */
const RECHECK_HEAVY_LOST_SHARE = 0.25;

/** A re-check losing this share of its tests is re-checked again, with fewer connections. */
const RECHECK_STILL_FULL_LOST_SHARE = 0.1;

/** Evidence of a full table strong enough to re-check at once, before the pass ends (`fullTableEvident`). */
const EARLY_RECHECK_MIN_CONTRADICTED = 8;
const EARLY_RECHECK_P_VALUE = 1e-4;

/** The re-check names a full table when its tests fail less often than the first pass's first tests (this p-value). */
const PRESSURE_P_VALUE = 0.05;

/**
 * Re-checks hold this many connections, each only if the pass before it held more and still
 * looked like a full table: 16 is few enough for most tables, 4 for nearly any.
 */
const RECHECK_BUDGETS = [16, 4] as const;

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

const range = (lo: number | null, hi: number | null): string =>
  `${lo === null ? '—' : seconds(lo)} to ${hi === null ? '—' : seconds(hi)}`;

const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** The note for a full table: the result at `nowBudget` connections differs from those at `earlierBudgets`. */
function dependsNote(earlierBudgets: readonly number[], nowBudget: number, comparison: string): string {
  return (
    `evictions depend on the number of open connections: results at ${earlierBudgets.join(', ')} and ${nowBudget} connections differ (${comparison}); ` +
    `a full connection table evicts the oldest idle mappings to make room, so keep the number of connections through this middlebox low, ` +
    `and the result at ${nowBudget} connections is reported`
  );
}

interface ProbeRecord extends Observation {
  batch: number;
  /** The connection's first test since it was opened. */
  first: boolean;
}

type Phase = 'search' | 'verify' | 'sweep';

/** One pass of the search at one connection budget. */
interface Pass {
  budget: number;
  records: ProbeRecord[];
  /** Sweep batches: when each was launched. */
  sweepBatches: Map<number, number>;
  /** The sweep batches made the case for a sweep: the rest only map its zone. */
  sweepBelieved: boolean;
  /** The bracket under verification, and its batches: id -> when launched. */
  verify: { loMs: number | null; hiMs: number; batches: Map<number, number> } | null;
  /** When the next verification or sweep batch is due (they keep one step between batches). */
  nextBatchAtMs: number | null;
  /** A suspected sweep that batches did not bear out: contradictions up to here are loss. */
  noSweepAtOrBelowMs: number;
  /** Where the frontier starts: a re-check begins just below what the first pass found. */
  frontierStartMs: number;
  /** Ratio between successive frontier tests, for this pass's budget (`frontierGrowthFor`). */
  frontierGrowth: number;
  /** Below this the frontier climbs one resolution at a time: a re-check where the answer is expected. */
  fineFrontierUntilMs: number;
  /** When the pool may grow to how many connections (empty: all at once). */
  openingWaves: { atMs: number; upTo: number }[];
}

interface LostCount {
  tests: number;
  lost: number;
}

interface PassSummary {
  budget: number;
  survivedMs: number | null;
  evictedMs: number | null;
  /** Its connections' first tests, and how many of them were judged lost. */
  firstTests: LostCount;
  /** How unlikely its first tests' losses were, had they struck like the later ones (Fisher). */
  triggerPValue: number;
}

export class IdleSearch implements SearchEngine {
  readonly direction;
  private readonly config: SearchConfig;
  private readonly pool = new ClockPool();
  private readonly allRecords: ProbeRecord[] = [];
  private pass: Pass;
  private readonly earlierPasses: PassSummary[] = [];
  private nextBatch = 1;
  private abortReason: string | null = null;
  private startedAtMs: number | null = null;
  private done = false;

  constructor(config: SearchConfig) {
    if (!(config.minMs > 0 && config.maxMs >= config.minMs)) throw new RangeError('need 0 < minMs <= maxMs');
    if (!(config.maxConnections >= 2)) throw new RangeError('need at least 2 connections');
    this.config = config;
    this.direction = config.direction;
    this.pass = IdleSearch.newPass(config.maxConnections, config.minMs);
  }

  /** No run takes longer than this: a re-check and its verification fit well within it. */
  private deadlineMs(): number {
    return DEADLINE_FACTOR * this.config.maxMs + DEADLINE_SLACK_MS;
  }

  private static newPass(
    budget: number,
    frontierStartMs: number,
    fineFrontierUntilMs = Number.NEGATIVE_INFINITY,
    openingWaves: Pass['openingWaves'] = [],
  ): Pass {
    return {
      budget,
      records: [],
      sweepBatches: new Map(),
      sweepBelieved: false,
      verify: null,
      nextBatchAtMs: null,
      noSweepAtOrBelowMs: Number.NEGATIVE_INFINITY,
      frontierStartMs,
      frontierGrowth: frontierGrowthFor(budget),
      fineFrontierUntilMs,
      openingWaves,
    };
  }

  private judge(): Judgement {
    return judge(this.pass.records, this.pass.noSweepAtOrBelowMs, SWEEP_MIN_DEPTH_MS);
  }

  get finished(): boolean {
    return this.done;
  }

  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null } {
    if (this.done) return { actions: [], wakeAtMs: null };
    const actions: SearchAction[] = [];
    this.startedAtMs ??= nowMs;
    if (nowMs - this.startedAtMs > this.deadlineMs()) {
      // A safety net, not a plan: observations this contradictory will not settle by waiting longer.
      this.abortReason = `gave up after ${Math.round((nowMs - this.startedAtMs) / 1000)} s: the observations do not settle`;
      this.finish(actions);
      return { actions, wakeAtMs: null };
    }
    const judgement = this.judge();
    if (this.fullTableEvident(judgement)) {
      this.startRecheck(judgement, nowMs, actions);
      return { actions, wakeAtMs: nowMs };
    }
    const phase = this.phaseOf(judgement);
    let targets: Target[] | null = null;
    switch (phase) {
      case 'search':
        targets = this.searchTargets(judgement.bracket);
        break;
      case 'verify':
        targets = this.verifyTargets(judgement, nowMs);
        break;
      case 'sweep':
        targets = this.sweepTargets(judgement, nowMs);
        break;
      default: {
        const never: never = phase;
        throw new Error(`unknown phase ${String(never)}`);
      }
    }

    if (targets === null) {
      if (this.hasPending()) return { actions, wakeAtMs: null };
      if (this.shouldRecheck(judgement)) {
        this.startRecheck(judgement, nowMs, actions);
        return { actions, wakeAtMs: nowMs };
      }
      this.finish(actions);
      return { actions, wakeAtMs: null };
    }

    this.closeDeadWeight(judgement, nowMs, actions);
    const batch = this.nextBatch++;
    const probesBefore = this.pool.probesSent;
    let wakeAtMs = this.pool.probeTargets(targets, nowMs, batch, actions);
    if (this.pool.probesSent > probesBefore) {
      // A verification or sweep batch counts from the moment it really tested something.
      if (phase === 'verify') this.pass.verify?.batches.set(batch, nowMs);
      if (phase === 'sweep') this.pass.sweepBatches.set(batch, nowMs);
    }
    this.pool.retireStale(targets, nowMs, this.pass.budget, actions);
    const nextWaveMs = this.pool.refill(
      nowMs,
      this.pass.budget,
      this.pass.openingWaves,
      this.config.maxConnections,
      actions,
    );
    if (nextWaveMs !== null) wakeAtMs = wakeAtMs === null ? nextWaveMs : Math.min(wakeAtMs, nextWaveMs);
    const next = this.pass.nextBatchAtMs;
    this.pass.nextBatchAtMs = null;
    if (next !== null && next > nowMs) wakeAtMs = wakeAtMs === null ? next : Math.min(wakeAtMs, next);
    // Nothing under way and nothing to wake for would stall the run: look again shortly.
    if (wakeAtMs === null && !this.hasPending() && actions.every((a) => a.type !== 'open'))
      wakeAtMs = nowMs + IDLE_POLL_MS;
    return { actions, wakeAtMs };
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

  lost(conn: ConnId, nowMs: number, how: EvictionKind): void {
    this.record(this.pool.diedIdle(conn, nowMs, how));
  }

  forget(conn: ConnId): void {
    this.pool.forget(conn);
  }

  abort(reason: string): void {
    if (this.done) return;
    this.abortReason = reason;
    this.done = true;
    this.pool.clear();
  }

  result(): DirectionResult {
    const judgement = this.judge();
    const bracket = this.reportedBracket(judgement);
    return {
      direction: this.direction,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      eviction: bracket.eviction,
      confidence: this.confidence(judgement),
      notes: this.notes(judgement),
      probesSent: this.pool.probesSent,
      connectionsOpened: this.pool.connectionsOpened,
      peakConnections: this.pool.peakConnections,
      observations: this.allRecords.map(({ batch: _batch, first: _first, ...o }) => o),
    };
  }

  progress(nowMs: number): SearchProgress {
    const { bracket } = this.judge();
    return {
      direction: this.direction,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      connections: this.pool.counts(),
      evicted: this.allRecords.filter((o) => !o.survived).length,
      finished: this.done,
      etaMs: this.done ? nowMs : this.estimateFinish(bracket, nowMs),
    };
  }

  // ── phases ────────────────────────────────────────────────────────────────────────────────

  private phaseOf({ bracket, sweepZone }: Judgement): Phase {
    if (sweepZone.length > 0) return 'sweep';
    if (this.isNarrow(bracket)) return 'verify';
    return 'search';
  }

  private isNarrow({ loMs, hiMs }: Bracket): boolean {
    if (hiMs === null) return false;
    if (hiMs <= this.config.minMs) return true;
    // Relative to the lower bound, which is at most T, so the width meets the resolution at T.
    return loMs !== null && hiMs - loMs <= this.config.resolutionMs(loMs);
  }

  /** The step used above the bracket when verifying and around the zone in a sweep. */
  private stepMs(hiMs: number): number {
    return Math.max(this.config.resolutionMs(hiMs), hiMs * VERIFY_STEP_FRACTION);
  }

  /**
   * Idle values worth testing now, or null when this phase has nothing left to test. Pending
   * probes count as answers for planning: the frontier moves past them, and they split a gap
   * just as a result would.
   */
  private searchTargets(bracket: Bracket): Target[] | null {
    const { loMs, hiMs } = bracket;
    const { minMs, maxMs } = this.config;
    const pending = this.pool.pendingIdles();

    if (hiMs === null) {
      const highest = Math.max(loMs ?? 0, ...pending);
      if (highest >= maxMs) return loMs !== null && loMs >= maxMs ? null : [];
      const start = Math.max(minMs, this.pass.frontierStartMs);
      const fine = highest < this.pass.fineFrontierUntilMs;
      // A rung a little finer than the resolution: the first eviction on it is already narrow enough.
      const nextMs = fine
        ? highest + FINE_RUNG_FRACTION * this.config.resolutionMs(highest)
        : highest * this.pass.frontierGrowth;
      const atMs = highest < start ? start : Math.min(maxMs, nextMs);
      return [{ atMs, untilMs: Number.POSITIVE_INFINITY }];
    }

    const targets: Target[] = [];
    const inside = pending.filter((p) => (loMs === null || p > loMs) && p < hiMs);
    if (loMs === null && !inside.some((p) => p <= minMs * this.pass.frontierGrowth)) {
      // Nothing survived yet: the shortest idle of interest must be tested itself.
      targets.push({ atMs: minMs, untilMs: Math.min(hiMs, minMs * this.pass.frontierGrowth) });
    }
    const resolution = this.config.resolutionMs(loMs ?? minMs);
    const points = [loMs ?? minMs, ...inside, hiMs].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i] as number;
      const b = points[i + 1] as number;
      if (b - a <= resolution) continue;
      const parts = Math.min(MAX_SPLIT, Math.ceil((b - a) / resolution));
      const step = (b - a) / parts;
      for (let k = 1; k < parts; k++) targets.push({ atMs: a + k * step, untilMs: a + (k + 1) * step });
    }
    return targets;
  }

  /**
   * A narrow bracket is believed only after it has been seen again: batches of tests just below lo
   * and just above hi, one step apart in time. A lost probe fakes an eviction, so the eviction at
   * hi must come back each time (the more losses seen already, the more times); a periodic sweep
   * moves the boundary with the phase of its collector, so a later batch that lands outside
   * (lo, hi] gives it away. A FIN from the middlebox is exact: every connection that reaches T
   * gets one, so it needs no second look.
   *
   *   idle ─►      lo-step/2  lo │ hi  hi+step/2
   *   batch 1          ✓       ✓ │ ✗     ✗          at t
   *   batch 2          ✓       ✓ │ ✗     ✗          at t + step   (a sweep would break this)
   */
  private verifyTargets(judgement: Judgement, nowMs: number): Target[] | null {
    const { bracket } = judgement;
    const hiMs = bracket.hiMs as number;
    if (bracket.loMs !== null && bracket.loMs >= this.config.maxMs) return null;
    const spontaneousCloses = this.pass.records.filter(
      (o) => o.spontaneous && o.how === 'close' && o.idleMs >= hiMs,
    ).length;
    if (spontaneousCloses >= 2) return null;
    const step = this.stepMs(hiMs);
    const verify = this.verificationOf(bracket, step);
    if (this.verificationDone(verify, step, judgement)) return null;
    if (this.hasPending()) return [];
    if (this.awaitingCadence([...verify.batches.values()], step, nowMs)) return [];
    const targets: Target[] = [{ atMs: hiMs, untilMs: hiMs + step / 2, anchor: true }];
    if (bracket.loMs !== null) {
      // Two tests below lo, deep enough that a death there is evidence of a sweep rather than
      // timing noise (`judge`): one step/2 below, as before, and one nearer, because a long
      // sweep's boundary dips a little below lo at many of its phases but that far at few.
      // Both are pushed even where they coincide (lo near --min, or a step under 2.4 s): the number
      // of targets also sizes how many fresh clocks `retireStale` keeps ready, and the measured
      // tables were made with two.
      const untilMs = bracket.loMs - SWEEP_MIN_DEPTH_MS;
      for (const depth of [step / 2, step / 4]) {
        const atMs = Math.max(
          this.config.minMs,
          Math.min(bracket.loMs - depth, untilMs - SWEEP_MIN_DEPTH_MS),
        );
        targets.push(
          atMs < untilMs
            ? { atMs, untilMs }
            : {
                atMs: Math.max(this.config.minMs, bracket.loMs - step / 2),
                untilMs: bracket.loMs + CROSSING_TOLERANCE_MS,
              },
        );
      }
    }
    return targets;
  }

  /** Verification batches that saw the eviction at hi again (a batch that found no clock counts for nothing). */
  private confirmations(verify: NonNullable<Pass['verify']>, step: number): number {
    const confirming = new Set<number>();
    for (const o of this.pass.records) {
      const near = o.idleMs >= verify.hiMs - CROSSING_TOLERANCE_MS && o.idleMs <= verify.hiMs + step;
      if (!o.survived && near && verify.batches.has(o.batch)) confirming.add(o.batch);
    }
    return confirming.size;
  }

  /**
   * Enough batches saw the eviction at hi again, and they watched the boundary for long enough that
   * a periodic sweep of a few percent of T would have moved it out of the bracket.
   */
  private verificationDone(verify: NonNullable<Pass['verify']>, step: number, judgement: Judgement): boolean {
    if (this.confirmations(verify, step) < this.verifyRounds(judgement)) return false;
    const times = [...verify.batches.values()];
    return (
      Math.max(...times) - Math.min(...times) >= VERIFY_WATCH_FRACTION * verify.hiMs - CROSSING_TOLERANCE_MS
    );
  }

  /** One more round of verification for every probe judged lost so far, up to a limit. */
  private verifyRounds(judgement: Judgement): number {
    return Math.min(MAX_VERIFY_ROUNDS, MIN_VERIFY_ROUNDS + judgement.lost.size);
  }

  /**
   * Sweep: evictions happen at the collector's ticks, so at any one instant the boundary is
   * sharp, at T plus the time since the last tick. Batches of simultaneous tests across the zone,
   * one step apart in time for a whole period, see the boundary at every phase: its lowest value
   * is within a step of T, its highest within a step of T + G.
   */
  private sweepTargets(judgement: Judgement, nowMs: number): Target[] | null {
    const zone = this.sweepZoneBounds(judgement);
    const step = this.stepMs(zone.hiMs);
    const batches = [...this.pass.sweepBatches.values()];
    const evidence = this.hasPending() ? 0 : this.sweepEvidence(zone.loMs - step);
    // Batches survived up to the top of the zone, each death alone: the contradictions were lost
    // probes, not a collector's phase.
    if (!this.pass.sweepBelieved && evidence <= -SWEEP_DECISION_LOG_ODDS)
      return this.dismissSweep(zone.hiMs, nowMs);
    const spanMs = batches.length === 0 ? 0 : nowMs - Math.min(...batches);
    // The boundary moves with time and falls back at each sweep: batches spanning more time than
    // it was seen to move have seen every phase; twice that (plus the gap between batches either
    // side) sees each phase twice, so a batch short of clocks at one phase does not leave a hole.
    const movedMs = Math.max(zone.hiMs - zone.loMs, this.sweepSpread()?.allowedMs ?? 0);
    const dropAtMs = firstSweepCaughtAtMs(this.sweepInstants());
    const coveredPeriod =
      batches.length >= 3 &&
      spanMs >= SWEEP_PERIODS_WATCHED * movedMs + 2 * this.sweepBatchGapMs(step) &&
      dropAtMs !== null &&
      nowMs - dropAtMs >= movedMs;
    // Above a sweep's zone everything dies: the zone is only believed once batches saw that twice.
    const batchesWithDeathAbove = new Set(
      this.pass.records
        .filter((o) => !o.survived && o.idleMs > zone.hiMs && this.pass.sweepBatches.has(o.batch))
        .map((o) => o.batch),
    ).size;
    // Like any sequential test, the decision stands once made: later batches only map the zone.
    if (evidence >= SWEEP_DECISION_LOG_ODDS && batchesWithDeathAbove >= 2) this.pass.sweepBelieved = true;
    const believed = this.pass.sweepBelieved;
    if (believed && coveredPeriod) return null;
    // Few clocks near the zone make batches thin and slow: a sweep gets as much time as the batches would take.
    if (batches.length >= MAX_SWEEP_BATCHES || spanMs >= MAX_SWEEP_BATCHES * step) {
      if (believed) return null;
      if (this.hasPending()) return [];
      // Out of time with the odds for a sweep but no clock old enough to die above the zone twice:
      // a moving boundary is still what the batches saw, and reporting it sharp would be wrong.
      if (evidence >= SWEEP_DECISION_LOG_ODDS) {
        this.pass.sweepBelieved = true;
        return null;
      }
      return this.dismissSweep(zone.hiMs, nowMs);
    }
    if (this.hasPending() || this.awaitingCadence(batches, step, nowMs)) return [];
    return this.sawtoothTargets(zone, step, nowMs);
  }

  /**
   * Where the next sweep batch tests. Between sweeps the boundary rises exactly as fast as time
   * passes, so the last batch that saw it predicts where it is now: a few tests there follow it up
   * to T + G, and a few spread below catch the sweep that drops it back to T. Testing the whole
   * zone at every batch would spend the clocks that a long sweep needs later, at its top.
   *
   *   idle ─►  zone.lo ···· sparse ···· │ predicted band │ + step
   *   batch k        ✓        ✓         ✓    ✗           ✗         boundary seen at t_k
   *   batch k+1      ✓        ✓              ✓    ✗      ✗         band moved up by t_{k+1} - t_k
   */
  private sawtoothTargets(zone: { loMs: number; hiMs: number }, step: number, nowMs: number): Target[] {
    // Batches that all died saw the boundary below all they tested: reach lower, twice as far each time.
    const lowestMs = Math.max(
      this.config.minMs,
      zone.loMs - step * 2 ** Math.min(MAX_SWEEP_REACH_DOUBLINGS, this.trailingBatchesAllDead()),
    );
    const band = this.predictedBoundary(nowMs);
    const bandLoMs = band?.loMs ?? lowestMs;
    const bandHiMs = Math.max(band?.hiMs ?? zone.hiMs + 2 * step, bandLoMs + step);
    const targets: Target[] = [];
    for (let at = Math.max(lowestMs, bandLoMs - step / 2); at <= bandHiMs + step / 2; at += step)
      targets.push({ atMs: at, untilMs: at + step });
    const belowMs = (targets[0]?.atMs ?? bandLoMs) - lowestMs;
    const sparse = Math.min(SWEEP_SPARSE_TESTS, Math.floor(belowMs / step));
    for (let k = 0; k < sparse; k++) {
      const at = lowestMs + (k * belowMs) / sparse;
      targets.push({ atMs: at, untilMs: at + step });
    }
    return targets;
  }

  /** Bounds on [T, T + G] from every batch of the pass, each seen at its instant (`sawtoothBounds`). */
  private provenSweepZone(): SawtoothBounds {
    const batches = this.testsByBatch();
    // A lost probe would fake a low ceiling and with it a sweep: where loss is seen, lone deaths prove nothing.
    const lossy = lossWithinBatches(batches);
    const proven = sawtoothBounds(
      batches.map((records) => ({
        atMs: (records[0] as ProbeRecord).atMs,
        ...boundaryAtInstant(records, lossy),
      })),
    );
    // Bounds that cross each other are not a sawtooth's: something else (more loss) is going on.
    const { timeoutAboveMs: lo, zoneTopAtMostMs: hi } = proven;
    return lo !== null && hi !== null && hi - lo < (this.sweepSpread()?.forcedMs ?? 0)
      ? { timeoutAboveMs: null, zoneTopAtMostMs: null }
      : proven;
  }

  /** The boundary each sweep batch saw at its instant. */
  private sweepInstants(): InstantBoundary[] {
    return [...this.pass.sweepBatches.entries()].map(([batch, atMs]) => ({
      atMs,
      ...this.sweepBatchBoundary(batch),
    }));
  }

  /** How many of the latest sweep batches had every test die. */
  private trailingBatchesAllDead(): number {
    let count = 0;
    for (const b of this.sweepInstants().sort((x, y) => y.atMs - x.atMs)) {
      if (b.floorMs !== null || b.ceilingMs === null) break;
      count++;
    }
    return count;
  }

  /** The boundary a sweep batch saw at its instant (`boundaryAtInstant`). */
  private sweepBatchBoundary(batch: number): { floorMs: number | null; ceilingMs: number | null } {
    return boundaryAtInstant(this.pass.records.filter((o) => o.batch === batch && !o.spontaneous));
  }

  /**
   * The boundary now, if the last sweep batch saw it and no sweep ran since: its floor and ceiling
   * moved on by the time since. A side that batch did not see is null.
   */
  private predictedBoundary(nowMs: number): { loMs: number | null; hiMs: number | null } | null {
    const last = this.sweepInstants().reduce<InstantBoundary | null>(
      (a, b) => (a === null || b.atMs > a.atMs ? b : a),
      null,
    );
    if (last === null) return null;
    const movedMs = nowMs - last.atMs;
    return {
      loMs: last.floorMs === null ? null : last.floorMs + movedMs,
      hiMs: last.ceilingMs === null ? null : last.ceilingMs + movedMs,
    };
  }

  /**
   * The longest time between consecutive sweep batches, and at least one step: batches keep a
   * step apart, but also wait for the last one's silent drops to be declared (the grace period).
   */
  private sweepBatchGapMs(step: number): number {
    const times = [...this.pass.sweepBatches.values()].sort((a, b) => a - b);
    let gapMs = step;
    for (let i = 1; i < times.length; i++)
      gapMs = Math.max(gapMs, (times[i] as number) - (times[i - 1] as number));
    return gapMs;
  }

  /**
   * Sweep over loss, as log odds (see `sweepLogLikelihoodRatio`), from every batch of the pass:
   * a lone test at its own instant says as much about the boundary of that instant as a batch.
   */
  private sweepEvidence(zoneFloorMs: number): number {
    return sweepLogLikelihoodRatio(this.pass.records, this.testsByBatch(), zoneFloorMs);
  }

  /** The pass's tests, one group per batch (each made at one instant); spontaneous deaths are no test. */
  private testsByBatch(): ProbeRecord[][] {
    const byBatch = new Map<number, ProbeRecord[]>();
    for (const o of this.pass.records) {
      if (o.spontaneous) continue;
      const batch = byBatch.get(o.batch);
      if (batch === undefined) byBatch.set(o.batch, [o]);
      else batch.push(o);
    }
    return [...byBatch.values()];
  }

  /** The suspected sweep was loss: contradictions up to `zoneTopMs` are set aside, and the search resumes. */
  private dismissSweep(zoneTopMs: number, nowMs: number): Target[] {
    this.pass.noSweepAtOrBelowMs = zoneTopMs;
    this.pass.sweepBatches.clear();
    this.pass.nextBatchAtMs = nowMs + CROSSING_TOLERANCE_MS; // decide again, as a plain search
    return [];
  }

  /**
   * Verification and sweep batches keep one step apart in time: true (and a wake-up booked) while
   * the last batch is less than a step old.
   */
  private awaitingCadence(batchTimesMs: number[], step: number, nowMs: number): boolean {
    const lastMs = Math.max(Number.NEGATIVE_INFINITY, ...batchTimesMs);
    if (nowMs - lastMs >= step - CROSSING_TOLERANCE_MS) return false;
    this.pass.nextBatchAtMs = lastMs + step;
    return true;
  }

  private sweepZoneBounds({ sweepZone, bracket }: Judgement): { loMs: number; hiMs: number } {
    const idles = sweepZone.map((o) => o.idleMs);
    const survived = this.pass.records.filter((o) => o.survived).map((o) => o.idleMs);
    return {
      loMs: Math.min(...idles, bracket.loMs ?? Number.POSITIVE_INFINITY),
      hiMs: Math.max(...survived, bracket.hiMs ?? 0),
    };
  }

  // ── table pressure ────────────────────────────────────────────────────────────────────────

  /**
   * A full table so plain that the pass need not finish: its answers are suspect anyway, and
   * finishing it before the re-check costs about 2 T. Asked at every decision, so the bar is far
   * higher than at the end of a pass (`shouldRecheck`).
   */
  private fullTableEvident(judgement: Judgement): boolean {
    if (this.recheckBudget() === null || this.hasPending()) return false;
    if (this.lostCount(judgement, true).lost < EARLY_RECHECK_MIN_CONTRADICTED) return false;
    return this.firstTestsPValue(judgement) < EARLY_RECHECK_P_VALUE;
  }

  /**
   * The budget of the next re-check, or null when there is none left: 16 connections first, and
   * 4 if a table is so small that 16 still overflow it (two directions searched at once fill it
   * twice as fast).
   */
  private recheckBudget(): number | null {
    const next = RECHECK_BUDGETS.find((b) => b < this.pass.budget);
    return next === undefined ? null : next;
  }

  /**
   * A middlebox with a full table evicts the least recently used mappings to make room, so a tool
   * holding many connections can cause the eviction it measures. Its victims are connections that
   * sat untouched since they were opened; a connection just tested is safe for a while. Probe loss
   * strikes first tests and later ones alike. So: first tests going unanswered at idles others
   * survived, far more often than later tests do, or nothing surviving at all, call for a re-check
   * with few connections.
   */
  private shouldRecheck(judgement: Judgement): boolean {
    if (this.recheckBudget() === null) return false;
    if (judgement.bracket.loMs === null && judgement.bracket.hiMs !== null) return true;
    const first = this.lostCount(judgement, true);
    const later = this.lostCount(judgement, false);
    if (first.lost < RECHECK_MIN_CONTRADICTED) return false;
    const pValue = this.firstTestsPValue(judgement);
    const lostShare = (first.lost + later.lost) / Math.max(1, first.tests + later.tests);
    // A table far too small strikes first and later tests alike: it shows as heavy loss instead.
    if (lostShare >= RECHECK_HEAVY_LOST_SHARE) return true;
    // A re-check (started because a table looked full) that still loses this many still overflows
    // it: two directions re-checking at 16 each fill a table of 32.
    if (this.earlierPasses.length > 0 && lostShare >= RECHECK_STILL_FULL_LOST_SHARE) return true;
    return (
      pValue < RECHECK_P_VALUE ||
      (pValue < RECHECK_SUSPECT_P_VALUE && lostShare >= RECHECK_SUSPECT_LOST_SHARE)
    );
  }

  private firstTestsPValue(judgement: Judgement): number {
    const first = this.lostCount(judgement, true);
    const later = this.lostCount(judgement, false);
    return fewerFailuresPValue(first.lost, first.tests, later.lost, later.tests);
  }

  private lostCount(judgement: Judgement, first: boolean): LostCount {
    let tests = 0;
    let lost = 0;
    for (const o of this.pass.records) {
      if (o.first !== first || o.spontaneous) continue;
      tests++;
      if (judgement.lost.has(o)) lost++;
    }
    return { lost, tests };
  }

  /**
   * A re-check with few connections, planned around what the first pass proved. Every survival
   * is proof (nothing fakes an answer), so the frontier starts just below the longest one and
   * climbs one resolution at a time through the first pass's bracket: if that bracket was right,
   * the first eviction lands within the resolution, at about T after the start. The connections
   * open in three waves, one verification watch apart, so that fresh clocks cross the bracket
   * again for the verification batches instead of waiting a whole T for recycled ones.
   *
   *   time ──►  start      +W       +2W            start+T
   *   wave 1    ●●●●●●●● ─────────────────────────  ✓✓✗   the ladder through the bracket
   *   wave 2               ●●●● ─────────────────────  ✓✗  verification, batch 1
   *   wave 3                       ●●●● ───────────────  ✓✗ verification, batch 2
   */
  private startRecheck(judgement: Judgement, nowMs: number, actions: SearchAction[]): void {
    const { bracket } = judgement;
    this.earlierPasses.push({
      budget: this.pass.budget,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      firstTests: this.lostCount(judgement, true),
      triggerPValue: this.firstTestsPValue(judgement),
    });
    const provenMs = Math.max(
      this.config.minMs,
      ...this.pass.records.filter((o) => o.survived).map((o) => o.idleMs),
    );
    this.pool.closeAll(actions);
    const resolutionMs = this.config.resolutionMs(provenMs);
    const startMs = Math.max(this.config.minMs, provenMs - resolutionMs);
    const expectedMs = Math.max(provenMs, bracket.hiMs ?? provenMs);
    const budget = this.recheckBudget() ?? this.pass.budget;
    // A little over the watch, so that the verification batches the waves serve span it.
    const waveGapMs = 1.25 * Math.max(this.stepMs(expectedMs), VERIFY_WATCH_FRACTION * expectedMs);
    const waves = [
      { atMs: nowMs, upTo: Math.ceil(budget / 2) },
      { atMs: nowMs + waveGapMs, upTo: Math.ceil((3 * budget) / 4) },
      { atMs: nowMs + 2 * waveGapMs, upTo: budget },
    ];
    this.pass = IdleSearch.newPass(budget, startMs, expectedMs + 2 * resolutionMs, waves);
  }

  private lostShare(judgement: Judgement = this.judge()): number {
    return this.pass.records.length === 0 ? 0 : judgement.lost.size / this.pass.records.length;
  }

  // ── connections ───────────────────────────────────────────────────────────────────────────

  /** A connection already idle well past a believed eviction can only die: free its slot. */
  private closeDeadWeight(judgement: Judgement, nowMs: number, actions: SearchAction[]): void {
    const { bracket, sweepZone } = judgement;
    if (bracket.hiMs === null || sweepZone.length > 0 || !this.isVerified(judgement)) return;
    this.pool.closeIdleOver(bracket.hiMs + 3 * this.stepMs(bracket.hiMs), nowMs, actions);
  }

  private isVerified(judgement: Judgement): boolean {
    const { hiMs } = judgement.bracket;
    if (hiMs === null || this.pass.verify === null) return false;
    const step = this.stepMs(hiMs);
    return this.verificationDone(this.verificationOf(judgement.bracket, step), step, judgement);
  }

  /**
   * The verification under way for this bracket. A bracket that moved by less than half a step
   * (a test a few ms either side of a bound) is the same bracket: its batches still count.
   */
  private verificationOf(bracket: Bracket, step: number): NonNullable<Pass['verify']> {
    const hiMs = bracket.hiMs as number;
    const verify = this.pass.verify;
    const near = (a: number | null, b: number | null): boolean =>
      a === null ? b === null : b !== null && Math.abs(a - b) < step / 2;
    if (verify !== null && near(verify.hiMs, hiMs) && near(verify.loMs, bracket.loMs)) {
      verify.hiMs = Math.min(verify.hiMs, hiMs);
      verify.loMs = bracket.loMs;
      return verify;
    }
    this.pass.verify = { loMs: bracket.loMs, hiMs, batches: new Map() };
    return this.pass.verify;
  }

  private hasPending(): boolean {
    return this.pool.hasPending();
  }

  private record(reading: ClockReading | null): void {
    if (reading === null) return;
    const record: ProbeRecord = { ...reading.observation, batch: reading.batch, first: reading.first };
    this.pass.records.push(record);
    this.allRecords.push(record);
  }

  private finish(actions: SearchAction[]): void {
    this.pool.closeAll(actions);
    this.done = true;
  }

  // ── reporting ─────────────────────────────────────────────────────────────────────────────

  /**
   * The bracket to report. After a sweep it spans every batch's boundary, widened by one step on
   * each side (a batch can miss the boundary's extremes by up to one step), and snapped outward to
   * idles actually observed, so that it contains [T, T + G].
   */
  private reportedBracket(judgement: Judgement): Bracket {
    if (judgement.sweepZone.length === 0) return judgement.bracket;
    // Between two batches the boundary moves by at most the time between them: the extremes of a
    // whole period lie within that of the extremes the batches saw.
    const marginMs = this.sweepBatchGapMs(this.stepMs(this.sweepZoneBounds(judgement).hiMs));
    let lowestBoundaryMs = Number.POSITIVE_INFINITY;
    let highestBoundaryMs = Number.NEGATIVE_INFINITY;
    for (const batch of this.pass.sweepBatches.keys()) {
      const b = this.sweepBatchBoundary(batch);
      if (b.ceilingMs !== null) lowestBoundaryMs = Math.min(lowestBoundaryMs, b.floorMs ?? b.ceilingMs);
      if (b.floorMs !== null) highestBoundaryMs = Math.max(highestBoundaryMs, b.ceilingMs ?? b.floorMs);
    }
    const zone = this.sweepZoneBounds(judgement);
    // Where a sweep was caught between batches, the sawtooth bounds the zone without relying on a
    // batch having landed at its extremes; the wider of the two estimates is kept.
    const proven = this.provenSweepZone();
    const floorMs = Math.min(
      Math.min(lowestBoundaryMs, zone.loMs) - marginMs,
      proven.timeoutAboveMs ?? Number.POSITIVE_INFINITY,
    );
    const ceilingMs = Math.max(
      Math.max(highestBoundaryMs, zone.hiMs) + marginMs,
      proven.zoneTopAtMostMs ?? Number.NEGATIVE_INFINITY,
    );
    let loMs: number | null = null;
    let hiMs: number | null = null;
    let eviction: EvictionKind | null = null;
    let minSurvivedMs: number | null = null;
    let maxEvicted: ProbeRecord | null = null;
    for (const o of this.pass.records) {
      if (o.survived && o.idleMs <= floorMs && (loMs === null || o.idleMs > loMs)) loMs = o.idleMs;
      if (!o.survived && o.idleMs >= ceilingMs && (hiMs === null || o.idleMs < hiMs))
        [hiMs, eviction] = [o.idleMs, o.how];
      if (o.survived && (minSurvivedMs === null || o.idleMs < minSurvivedMs)) minSurvivedMs = o.idleMs;
      if (!o.survived && (maxEvicted === null || o.idleMs > maxEvicted.idleMs)) maxEvicted = o;
    }
    // No observation that far out: fall back to the outermost ones seen, still outside the zone.
    if (loMs === null) loMs = minSurvivedMs !== null && minSurvivedMs <= zone.loMs ? minSurvivedMs : null;
    // No test went out that far: the bound itself, inferred, and never below an eviction seen.
    if (hiMs === null && maxEvicted !== null)
      [hiMs, eviction] = [Math.max(ceilingMs, maxEvicted.idleMs), maxEvicted.how];
    return { loMs, hiMs, eviction, contradictions: judgement.bracket.contradictions };
  }

  /**
   * How far the boundary moved between sweep batches. Each batch, tested at one instant, puts the
   * boundary of that instant above its longest survival (a floor) and at or below its shortest
   * death past that (a ceiling); a batch may see only one of them. The boundary moved at least
   * from the lowest ceiling to the highest floor (`forcedMs`), and at most from the lowest floor to
   * the highest ceiling among batches that saw both (`allowedMs`). Null before the batches saw a
   * floor and a ceiling.
   */
  private sweepSpread(): { forcedMs: number; allowedMs: number } | null {
    const floors: number[] = [];
    const ceilings: number[] = [];
    let allowedLoMs = Number.POSITIVE_INFINITY;
    let allowedHiMs = Number.NEGATIVE_INFINITY;
    for (const batch of this.pass.sweepBatches.keys()) {
      const b = this.sweepBatchBoundary(batch);
      if (b.floorMs !== null) floors.push(b.floorMs);
      if (b.ceilingMs !== null) ceilings.push(b.ceilingMs);
      if (b.floorMs !== null && b.ceilingMs !== null)
        [allowedLoMs, allowedHiMs] = [Math.min(allowedLoMs, b.floorMs), Math.max(allowedHiMs, b.ceilingMs)];
    }
    if (floors.length === 0 || ceilings.length === 0) return null;
    return {
      forcedMs: Math.max(0, Math.max(...floors) - Math.min(...ceilings)),
      allowedMs: Math.max(0, allowedHiMs - allowedLoMs),
    };
  }

  /**
   * The sweep period in words. Batches one gap apart see the boundary's extremes to within that
   * gap, so the period is about what they forced plus one gap.
   */
  private sweepGranularity(judgement: Judgement): string {
    const spread = this.sweepSpread();
    if (spread === null || spread.forcedMs === 0) {
      const zone = this.sweepZoneBounds(judgement);
      return `sweep granularity about ${seconds(zone.hiMs - zone.loMs)}`;
    }
    const gapMs = this.sweepBatchGapMs(this.stepMs(this.sweepZoneBounds(judgement).hiMs));
    // A sweep caught between batches bounds the whole zone, so the period too: it may be longer
    // than the batches saw the boundary move, when they missed its extremes.
    const proven = this.provenSweepZone();
    const atMost =
      proven.timeoutAboveMs !== null && proven.zoneTopAtMostMs !== null
        ? `, at most ${seconds(proven.zoneTopAtMostMs - proven.timeoutAboveMs)}`
        : '';
    return (
      `sweep granularity about ${seconds(spread.forcedMs + gapMs)}${atMost}: the boundary was seen to move ${seconds(spread.forcedMs)} ` +
      `between batches up to ${seconds(gapMs)} apart`
    );
  }

  private estimateFinish(bracket: Bracket, nowMs: number): number | null {
    if (bracket.hiMs === null) return null;
    const width = bracket.hiMs - (bracket.loMs ?? this.config.minMs);
    return nowMs + Math.max(0, width) + 2 * this.stepMs(bracket.hiMs);
  }

  private confidence(judgement: Judgement): number {
    const total = this.pass.records.length;
    if (total === 0) return 0;
    const doubted = judgement.lost.size + judgement.sweepZone.length;
    return Math.round(Math.max(0, 1 - doubted / total) * 100) / 100;
  }

  /**
   * What the re-check with few connections says. Loss on the path does not care how many
   * connections are open; a full table does: it struck the first pass's untouched connections, and
   * with few connections it should strike nothing. Too few tests to tell is said as such.
   */
  private recheckNote(
    earlier: PassSummary,
    judgement: Judgement,
  ): { depends: boolean; earlierPart: string; note: string } {
    const now = judgement.bracket;
    const testsNow = this.pass.records.filter((o) => !o.spontaneous).length;
    const lostNow = this.lostShare(judgement);
    const firstShare =
      earlier.firstTests.tests === 0 ? 0 : earlier.firstTests.lost / earlier.firstTests.tests;
    const fewerNow =
      fewerFailuresPValue(earlier.firstTests.lost, earlier.firstTests.tests, judgement.lost.size, testsNow) <
      PRESSURE_P_VALUE;
    const earlierPart = `${range(earlier.survivedMs, earlier.evictedMs)} with ${percent(firstShare)} of first tests evicted early at ${earlier.budget} connections`;
    const comparison = `${earlierPart}, vs ${this.recheckNowPart(judgement)}`;
    // Survivals are proof: a re-check that survived past the first pass's eviction moved the answer.
    const answerMoved =
      (earlier.survivedMs === null && now.loMs !== null) ||
      (earlier.evictedMs !== null && now.loMs !== null && now.loMs >= earlier.evictedMs);
    const why = `re-checked with ${this.pass.budget} connections because tests at ${earlier.budget} went unanswered too often (first tests more than later ones, or a quarter of all)`;
    // First tests failing far beyond chance, and not one failure with few connections: a full table.
    const clearedNow = earlier.triggerPValue < RECHECK_P_VALUE && judgement.lost.size === 0 && testsNow > 0;
    if (answerMoved || fewerNow || clearedNow) {
      return {
        depends: true,
        earlierPart,
        note: dependsNote([earlier.budget], this.pass.budget, comparison),
      };
    }
    if (lostNow >= firstShare / 2) {
      return {
        depends: false,
        earlierPart,
        note: `${why}: the same happens with few connections (${comparison}), so it is loss on the path, not a full table`,
      };
    }
    return {
      depends: false,
      earlierPart,
      note:
        `${why}: the answer is the same with few connections (${comparison}), so it does not depend on the number of connections; ` +
        `too few tests to tell whether the unanswered ones were lost on the path or evicted by a full table`,
    };
  }

  /** What the last pass found, for the re-check notes. */
  private recheckNowPart(judgement: Judgement): string {
    const testsNow = this.pass.records.filter((o) => !o.spontaneous).length;
    return `${range(judgement.bracket.loMs, judgement.bracket.hiMs)} with ${percent(this.lostShare(judgement))} of ${testsNow} tests at ${this.pass.budget}`;
  }

  /** One note per re-check, or one for the chain when every re-check found the same: a full table. */
  private recheckNotes(judgement: Judgement): string[] {
    const verdicts = this.earlierPasses.map((earlier) => this.recheckNote(earlier, judgement));
    if (verdicts.length < 2 || !verdicts.every((v) => v.depends)) return verdicts.map((v) => v.note);
    const comparison = `${verdicts.map((v) => v.earlierPart).join('; ')}; vs ${this.recheckNowPart(judgement)}`;
    return [
      dependsNote(
        this.earlierPasses.map((e) => e.budget),
        this.pass.budget,
        comparison,
      ),
    ];
  }

  private notes(judgement: Judgement): string[] {
    const notes: string[] = [];
    if (this.abortReason !== null) notes.push(`stopped early: ${this.abortReason}`);
    notes.push(...this.recheckNotes(judgement));
    let lost = judgement.lost.size;
    if (judgement.sweepZone.length > 0) {
      const reported = this.reportedBracket(judgement);
      // Under a sweep, a death inside its zone is the sweep; only one below the zone was lost.
      lost = [...judgement.lost].filter((o) => reported.loMs !== null && o.idleMs <= reported.loMs).length;
      notes.push(
        `evictions are not sharp: at each instant the boundary is sharp, but it moves (${this.sweepGranularity(judgement)}), ` +
          `as with a periodic sweep; the bracket ${reported.loMs === null ? '' : `from ${seconds(reported.loMs)} `}covers the whole zone`,
      );
    }
    if (lost > 0) {
      notes.push(
        `${lost} test(s) went unanswered at idles that other connections survived: probe loss, set aside and re-tested`,
      );
    }
    if (judgement.mistimed.size > 0) {
      const strongMs = Math.min(...this.pass.records.filter(isStrong).map((o) => o.idleMs));
      const pastMs = Math.max(...[...judgement.mistimed].map((o) => o.idleMs - strongMs));
      notes.push(
        `${judgement.mistimed.size} test(s) survived up to ${Math.ceil(pastMs)} ms past the idle at which the middlebox reset or closed ` +
          `another connection: this machine's timing, set aside; the bounds are good to about that`,
      );
    }
    if (this.pool.openFailures > 0)
      notes.push(`${this.pool.openFailures} probe connection(s) failed to open`);
    return notes;
  }
}
