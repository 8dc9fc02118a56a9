/**
 * The pool of probe connections used as clocks. Every connection is a clock that started at its
 * last packet: at time t it offers idle t - idleSinceMs, and probing it tests exactly that idle. A
 * survivor is idle again from its reply (a fresh clock); an evicted one is gone.
 *
 *   opening ──opened──► idle ──probe──► probing ──survived──► idle (idle since the reply)
 *      │                 │                  └──────evicted──► gone (the test is recorded)
 *      └──openFailed──►  └──diedIdle──────────────────────► gone (a spontaneous eviction)
 *
 * The pool keeps the bookkeeping (states, counts) and serves targets: it probes the clock best
 * placed for each, retires clocks too old to serve, and refills its budget, in opening waves when
 * a pass asks for them. It decides nothing about which idles are worth testing. Pure: it reads no
 * clock; every operation takes `nowMs` and appends the actions the driver must carry out.
 */
import type { Bracket } from './bracket.js';
import type {
  ConnId,
  Direction,
  EvictionKind,
  Observation,
  ProbeOutcome,
  SearchAction,
  SearchProgress,
} from './types.js';

/**
 * A clock within this of a target counts as having crossed it: timers (and float sums) may land
 * a hair early, and a millisecond is far below any resolution this search is asked for.
 */
export const CROSSING_TOLERANCE_MS = 1;

export type ClockState = 'opening' | 'idle' | 'probing';

export interface Clock {
  readonly id: ConnId;
  state: ClockState;
  /** Time of the connection's last packet; meaningful when idle or probing. */
  idleSinceMs: number;
  /** The idle being tested, when, and the batch it belongs to, while probing. */
  probeIdleMs: number;
  probeAtMs: number;
  batch: number;
  /** Tests this connection has answered so far (0: never tested since it was opened). */
  survivals: number;
}

/** An idle worth testing: a clock whose idle lies in [atMs, untilMs) serves it. */
export interface Target {
  atMs: number;
  untilMs: number;
  /** The batch goes ahead only if this target finds a clock now (its partners are only useful beside it). */
  anchor?: true;
}

/**
 * What a phase's planner hands the engine: its new state, the idles worth testing now (null: the
 * phase has nothing left to test; empty: nothing now), and when it wants to decide again, if ever.
 */
export interface PhasePlan<S> {
  state: S;
  targets: Target[] | null;
  wakeAtMs: number | null;
}

/** From `atMs` on, the pool may hold up to `upTo` connections. */
export interface OpeningWave {
  atMs: number;
  upTo: number;
}

/** What a test (or a spontaneous death) said, with the clock's batch and whether it was its first test. */
export interface ClockReading {
  observation: Observation;
  batch: number;
  first: boolean;
}

export class ClockPool {
  private readonly clocks = new Map<ConnId, Clock>();
  private nextConnId = 1;
  connectionsOpened = 0;
  peakConnections = 0;
  probesSent = 0;
  openFailures = 0;

  get size(): number {
    return this.clocks.size;
  }

  /** Every clock, oldest connection first. */
  all(): Clock[] {
    return [...this.clocks.values()];
  }

  counts(): Record<ClockState, number> {
    const count = { idle: 0, probing: 0, opening: 0 };
    for (const c of this.clocks.values()) count[c.state]++;
    return count;
  }

  /**
   * The live view of a search over this pool: its bracket, its clocks, its evictions so far, and
   * when it expects to finish (`nowMs` once it has).
   */
  progress(
    direction: Direction,
    { loMs, hiMs }: Bracket,
    observations: readonly Observation[],
    nowMs: number,
    finished: boolean,
    etaMs: number | null,
  ): SearchProgress {
    return {
      direction,
      survivedMs: loMs,
      evictedMs: hiMs,
      connections: this.counts(),
      evicted: observations.filter((o) => !o.survived).length,
      finished,
      etaMs: finished ? nowMs : etaMs,
      oldestIdleMs: this.oldestIdleMs(nowMs),
    };
  }

  /** The longest idle of a connection idle or under test now, or null with none. */
  oldestIdleMs(nowMs: number): number | null {
    let oldest: number | null = null;
    for (const c of this.clocks.values()) {
      if (c.state === 'opening') continue;
      oldest = Math.max(oldest ?? 0, nowMs - c.idleSinceMs);
    }
    return oldest;
  }

  hasPending(): boolean {
    for (const c of this.clocks.values()) if (c.state === 'probing') return true;
    return false;
  }

  /** The clocks under test now. */
  probing(): Clock[] {
    return this.all().filter((c) => c.state === 'probing');
  }

  /** The idles under test now. */
  pendingIdles(): number[] {
    const idles: number[] = [];
    for (const c of this.clocks.values()) if (c.state === 'probing') idles.push(c.probeIdleMs);
    return idles;
  }

  // ── the driver's reports ──────────────────────────────────────────────────────────────────

  opened(id: ConnId, idleSinceMs: number): void {
    const c = this.clocks.get(id);
    if (c === undefined || c.state !== 'opening') return;
    c.state = 'idle';
    c.idleSinceMs = idleSinceMs;
  }

  openFailed(id: ConnId): void {
    const c = this.clocks.get(id);
    if (c === undefined || c.state !== 'opening') return;
    this.clocks.delete(id);
    this.openFailures++;
  }

  /** A probe's result; a survivor is idle again from `nowMs`, an evicted one is gone. */
  outcome(id: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): ClockReading | null {
    const c = this.clocks.get(id);
    if (c === undefined || c.state !== 'probing') return null;
    const reading: ClockReading = {
      observation: {
        conn: id,
        idleMs: testedAtMs === undefined ? c.probeIdleMs : testedAtMs - c.idleSinceMs,
        atMs: c.probeAtMs,
        survived: outcome.survived,
        how: outcome.survived ? null : outcome.how,
        spontaneous: false,
      },
      batch: c.batch,
      first: c.survivals === 0,
    };
    if (outcome.survived) {
      c.survivals++;
      c.state = 'idle';
      c.idleSinceMs = nowMs;
    } else {
      this.clocks.delete(id);
    }
    return reading;
  }

  /**
   * The middlebox ended the connection by itself (a proxy's FIN, an RST). An idle clock says
   * "evicted at this idle" (batch 0: no test); one under test ends its test.
   */
  diedIdle(id: ConnId, nowMs: number, how: EvictionKind): ClockReading | null {
    const c = this.clocks.get(id);
    if (c === undefined) return null;
    if (c.state === 'probing') return this.outcome(id, nowMs, { survived: false, how });
    this.clocks.delete(id);
    if (c.state !== 'idle') return null;
    return {
      observation: {
        conn: id,
        idleMs: nowMs - c.idleSinceMs,
        atMs: nowMs,
        survived: false,
        how,
        spontaneous: true,
      },
      batch: 0,
      first: c.survivals === 0,
    };
  }

  /** Drops a clock unrecorded (the driver cannot tell how its test went). */
  forget(id: ConnId): void {
    this.clocks.delete(id);
  }

  /** Drops every clock unrecorded (the search stopped). */
  clear(): void {
    this.clocks.clear();
  }

  // ── the pool's own actions ────────────────────────────────────────────────────────────────

  open(actions: SearchAction[]): Clock {
    const clock: Clock = {
      id: this.nextConnId++,
      state: 'opening',
      idleSinceMs: 0,
      probeIdleMs: 0,
      probeAtMs: 0,
      batch: 0,
      survivals: 0,
    };
    this.clocks.set(clock.id, clock);
    this.connectionsOpened++;
    this.peakConnections = Math.max(this.peakConnections, this.clocks.size);
    actions.push({ type: 'open', conn: clock.id });
    return clock;
  }

  probe(clock: Clock, nowMs: number, batch: number, actions: SearchAction[]): void {
    clock.state = 'probing';
    clock.probeIdleMs = nowMs - clock.idleSinceMs;
    clock.probeAtMs = nowMs;
    clock.batch = batch;
    this.probesSent++;
    actions.push({ type: 'probe', conn: clock.id });
  }

  close(clock: Clock, actions: SearchAction[]): void {
    this.clocks.delete(clock.id);
    actions.push({ type: 'close', conn: clock.id });
  }

  closeAll(actions: SearchAction[]): void {
    for (const clock of this.all()) this.close(clock, actions);
  }

  /** Closes the idle clocks already idle `limitMs` or more: past a believed eviction they can only die. */
  closeIdleOver(limitMs: number, nowMs: number, actions: SearchAction[]): void {
    for (const clock of this.all())
      if (clock.state === 'idle' && nowMs - clock.idleSinceMs >= limitMs) this.close(clock, actions);
  }

  /**
   * For each target, probes the youngest clock past it, all in one batch, unless an anchor found
   * none. Returns when the next clock crosses a target that found none, if any will.
   */
  probeTargets(
    targets: readonly Target[],
    nowMs: number,
    batch: number,
    actions: SearchAction[],
  ): number | null {
    const idle = this.all().filter((c) => c.state === 'idle');
    let wakeAtMs: number | null = null;
    const chosen: Clock[] = [];
    let anchorMissing = false;
    for (const { atMs, untilMs, anchor } of targets) {
      let best: Clock | null = null;
      let nextCrossingMs: number | null = null;
      for (const clock of idle) {
        const idleMs = nowMs - clock.idleSinceMs + CROSSING_TOLERANCE_MS;
        if (idleMs >= atMs && idleMs < untilMs) {
          if (best === null || clock.idleSinceMs > best.idleSinceMs) best = clock;
        } else if (idleMs < atMs) {
          const crossing = clock.idleSinceMs + atMs;
          if (nextCrossingMs === null || crossing < nextCrossingMs) nextCrossingMs = crossing;
        }
      }
      if (best !== null && !chosen.includes(best)) chosen.push(best);
      if (best === null && anchor === true) anchorMissing = true;
      if (best === null && nextCrossingMs !== null)
        wakeAtMs = wakeAtMs === null ? nextCrossingMs : Math.min(wakeAtMs, nextCrossingMs);
    }
    if (!anchorMissing) for (const clock of chosen) this.probe(clock, nowMs, batch, actions);
    return wakeAtMs;
  }

  /**
   * Clocks already past every idle wanted are of no use to these targets, but may be to the next
   * bracket (a lost probe can fake a low one), so a reserve of them (a quarter of the budget) is
   * kept. Beyond that, the oldest are retired for fresh clocks when too few clocks are left below
   * the targets to serve them.
   */
  retireStale(targets: readonly Target[], nowMs: number, budget: number, actions: SearchAction[]): void {
    // The frontier has no ceiling: every clock can serve it.
    if (targets.length === 0 || targets.some((t) => !Number.isFinite(t.untilMs))) return;
    const ceilingMs = Math.max(...targets.map((t) => t.untilMs));
    const stale: Clock[] = [];
    let useful = 0;
    for (const c of this.clocks.values()) {
      if (c.state === 'opening' || (c.state === 'idle' && nowMs - c.idleSinceMs < ceilingMs)) useful++;
      else if (c.state === 'idle') stale.push(c);
    }
    const wanted = Math.min(targets.length + 2, Math.floor(budget / 2));
    const reserve = Math.floor(budget / 4);
    stale.sort((a, b) => a.idleSinceMs - b.idleSinceMs);
    for (const clock of stale.slice(0, Math.max(0, stale.length - reserve))) {
      if (useful >= wanted) break;
      this.close(clock, actions);
      useful++; // refill puts a fresh clock in its slot
    }
  }

  /**
   * Keeps the pool at its budget: a clock opened now is the comb a later refinement needs. With
   * opening waves it grows in steps instead; returns when the next wave is due, if any. After more
   * failed opens than `maxOpenFailures` it opens nothing: the driver reports the reason, and
   * opening more helps nobody.
   */
  refill(
    nowMs: number,
    budget: number,
    waves: readonly OpeningWave[],
    maxOpenFailures: number,
    actions: SearchAction[],
  ): number | null {
    if (this.openFailures > maxOpenFailures) return null;
    let limit = budget;
    let nextWaveMs: number | null = null;
    if (waves.length > 0) {
      limit = 0;
      for (const wave of waves) {
        if (wave.atMs <= nowMs) limit = Math.max(limit, wave.upTo);
        else nextWaveMs = nextWaveMs === null ? wave.atMs : Math.min(nextWaveMs, wave.atMs);
      }
    }
    while (this.clocks.size < limit) this.open(actions);
    return nextWaveMs;
  }
}
