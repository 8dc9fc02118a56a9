/**
 * The idle-timeout search for one direction: pure, clock-free, driven by events.
 *
 * Every probe connection is a clock that started at its last packet: at time t it offers idle
 * t - idleSince, and probing it tests exactly that idle. A survivor is idle again from the reply,
 * so it is recycled as a fresh clock; an evicted one is closed. The search decides, from the
 * bracket so far, which idle values are worth testing and probes a connection the moment its idle
 * crosses one of them.
 *
 *   no eviction yet    frontier: test at lo x FRONTIER_GROWTH (pipelined: a pending probe counts
 *                      as survived for planning); the oldest connection crosses it first.
 *   bracket (lo, hi]   split every gap wider than the resolution into equal parts and test all the
 *                      split points at once (k-ary, one round when enough clocks are near them).
 *
 *   time ──►  0            lo·q        ...        T    T·q   ~1.1 T
 *   frontier  ●───────────●───────────●───────────●────✗      first eviction: (T/q, T·q]
 *   comb      recycled clocks sweep upward through the bracket; each split point is probed as a
 *             clock crosses it, so the refinement costs about the width of the bracket in time.
 *
 * Recycling makes the pool self-organising: after the frontier has used every connection once,
 * the oldest clock was recycled B probes ago, so it offers about T·(1 - q^-B) when the frontier
 * reaches T (B = connection budget). That, plus q, bounds the wall time near q·T / (1 - q^-B).
 *
 * Accuracy: idles are measured by the driver's clock at the moment it acts; this module adds no
 * error of its own. It never emits work for a connection that is not idle.
 */
import { bracketOf, type Bracket } from './bracket.js';
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

/** Ratio between successive frontier tests before the first eviction. */
export const FRONTIER_GROWTH = 1.04;

/**
 * A clock within this of a target counts as having crossed it: timers (and float sums) may land
 * a hair early, and a millisecond is far below any resolution this search is asked for.
 */
const CROSSING_TOLERANCE_MS = 1;

/** Most parts a gap is split into per round. */
const MAX_SPLIT = 12;

type ConnState = 'opening' | 'idle' | 'probing' | 'closed';

interface Conn {
  id: ConnId;
  state: ConnState;
  /** Time of the connection's last packet; meaningful when idle or probing. */
  idleSinceMs: number;
  /** The idle being tested, while probing. */
  probeIdleMs: number;
  probeAtMs: number;
}

export class IdleSearch implements SearchEngine {
  readonly direction;
  private readonly config: SearchConfig;
  private readonly conns = new Map<ConnId, Conn>();
  private readonly observations: Observation[] = [];
  private nextConnId = 1;
  private connectionsOpened = 0;
  private peakConnections = 0;
  private probesSent = 0;
  private openFailures = 0;
  private abortReason: string | null = null;
  private done = false;

  constructor(config: SearchConfig) {
    if (!(config.minMs > 0 && config.maxMs >= config.minMs)) throw new RangeError('need 0 < minMs <= maxMs');
    if (!(config.maxConnections >= 2)) throw new RangeError('need at least 2 connections');
    this.config = config;
    this.direction = config.direction;
  }

  get finished(): boolean {
    return this.done;
  }

  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null } {
    if (this.done) return { actions: [], wakeAtMs: null };
    const actions: SearchAction[] = [];
    const bracket = this.bracket();

    if (this.isConverged(bracket)) {
      this.finish(actions);
      return { actions, wakeAtMs: null };
    }

    // A connection whose idle already passed the shortest eviction can only die: free its slot.
    if (bracket.hiMs !== null) {
      for (const conn of this.conns.values()) {
        if (conn.state === 'idle' && nowMs - conn.idleSinceMs >= bracket.hiMs) this.close(conn, actions);
      }
    }

    const idle = [...this.conns.values()].filter((c) => c.state === 'idle');
    let wakeAtMs: number | null = null;
    for (const { atMs, untilMs } of this.targets(bracket)) {
      // The youngest clock at or past the target serves it; otherwise wait for the next to cross.
      let best: Conn | null = null;
      let nextCrossingMs: number | null = null;
      for (const conn of idle) {
        if (conn.state !== 'idle') continue;
        const idleMs = nowMs - conn.idleSinceMs + CROSSING_TOLERANCE_MS;
        if (idleMs >= atMs && idleMs < untilMs) {
          if (best === null || conn.idleSinceMs > best.idleSinceMs) best = conn;
        } else if (idleMs < atMs) {
          const crossing = conn.idleSinceMs + atMs;
          if (nextCrossingMs === null || crossing < nextCrossingMs) nextCrossingMs = crossing;
        }
      }
      if (best !== null) {
        this.probe(best, nowMs, actions);
      } else if (nextCrossingMs !== null) {
        wakeAtMs = wakeAtMs === null ? nextCrossingMs : Math.min(wakeAtMs, nextCrossingMs);
      }
    }

    this.refill(actions);
    return { actions, wakeAtMs };
  }

  opened(conn: ConnId, idleSinceMs: number): void {
    const c = this.conns.get(conn);
    if (c === undefined || c.state !== 'opening') return;
    c.state = 'idle';
    c.idleSinceMs = idleSinceMs;
  }

  openFailed(conn: ConnId, _nowMs: number, _reason: string): void {
    const c = this.conns.get(conn);
    if (c === undefined || c.state !== 'opening') return;
    c.state = 'closed';
    this.conns.delete(conn);
    this.openFailures++;
  }

  outcome(conn: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): void {
    const c = this.conns.get(conn);
    if (c === undefined || c.state !== 'probing') return;
    this.observations.push({
      conn,
      idleMs: testedAtMs === undefined ? c.probeIdleMs : testedAtMs - c.idleSinceMs,
      atMs: c.probeAtMs,
      survived: outcome.survived,
      how: outcome.survived ? null : outcome.how,
      spontaneous: false,
    });
    if (outcome.survived) {
      c.state = 'idle';
      c.idleSinceMs = nowMs;
    } else {
      c.state = 'closed';
      this.conns.delete(conn);
    }
  }

  lost(conn: ConnId, nowMs: number, how: EvictionKind): void {
    const c = this.conns.get(conn);
    if (c === undefined) return;
    if (c.state === 'probing') {
      this.outcome(conn, nowMs, { survived: false, how });
      return;
    }
    if (c.state === 'idle') {
      this.observations.push({ conn, idleMs: nowMs - c.idleSinceMs, atMs: nowMs, survived: false, how, spontaneous: true });
    }
    c.state = 'closed';
    this.conns.delete(conn);
  }

  abort(reason: string): void {
    if (this.done) return;
    this.abortReason = reason;
    this.done = true;
    this.conns.clear();
  }

  result(): DirectionResult {
    const bracket = this.bracket();
    return {
      direction: this.direction,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      eviction: bracket.eviction,
      confidence: this.confidence(bracket),
      notes: this.notes(bracket),
      probesSent: this.probesSent,
      connectionsOpened: this.connectionsOpened,
      peakConnections: this.peakConnections,
      observations: [...this.observations],
    };
  }

  progress(nowMs: number): SearchProgress {
    const bracket = this.bracket();
    const count = { idle: 0, probing: 0, opening: 0 };
    for (const c of this.conns.values()) if (c.state !== 'closed') count[c.state]++;
    return {
      direction: this.direction,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      connections: count,
      evicted: this.observations.filter((o) => !o.survived).length,
      finished: this.done,
      etaMs: this.done ? nowMs : this.estimateFinish(bracket, nowMs),
    };
  }

  private bracket(): Bracket {
    return bracketOf(this.observations);
  }

  private isConverged({ loMs, hiMs }: Bracket): boolean {
    if (hiMs !== null && hiMs <= this.config.minMs) return true;
    if (loMs !== null && loMs >= this.config.maxMs) return true;
    if (loMs !== null && hiMs !== null && hiMs - loMs <= this.config.resolutionMs(hiMs)) return true;
    return false;
  }

  /**
   * The idle values worth testing now. Pending probes count as answers for planning: the frontier
   * moves past them, and they split a gap just as a result would.
   */
  private targets({ loMs, hiMs }: Bracket): { atMs: number; untilMs: number }[] {
    const { minMs, maxMs } = this.config;
    const pending = [...this.conns.values()].filter((c) => c.state === 'probing').map((c) => c.probeIdleMs);

    if (hiMs === null) {
      const highest = Math.max(loMs ?? 0, ...pending);
      if (highest >= maxMs) return [];
      const atMs = highest < minMs ? minMs : Math.min(maxMs, highest * FRONTIER_GROWTH);
      return [{ atMs, untilMs: Number.POSITIVE_INFINITY }];
    }

    const targets: { atMs: number; untilMs: number }[] = [];
    const inside = pending.filter((p) => (loMs === null || p > loMs) && p < hiMs);
    if (loMs === null && !inside.some((p) => p <= minMs * FRONTIER_GROWTH)) {
      // Nothing survived yet: the shortest idle of interest must be tested itself.
      targets.push({ atMs: minMs, untilMs: Math.min(hiMs, minMs * FRONTIER_GROWTH) });
    }
    const points = [loMs ?? minMs, ...inside, hiMs].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i] as number;
      const b = points[i + 1] as number;
      const resolution = this.config.resolutionMs(hiMs);
      if (b - a <= resolution) continue;
      const parts = Math.min(MAX_SPLIT, Math.ceil((b - a) / resolution));
      const step = (b - a) / parts;
      for (let k = 1; k < parts; k++) targets.push({ atMs: a + k * step, untilMs: a + (k + 1) * step });
    }
    return targets;
  }

  private probe(conn: Conn, nowMs: number, actions: SearchAction[]): void {
    conn.state = 'probing';
    conn.probeIdleMs = nowMs - conn.idleSinceMs;
    conn.probeAtMs = nowMs;
    this.probesSent++;
    actions.push({ type: 'probe', conn: conn.id });
  }

  private close(conn: Conn, actions: SearchAction[]): void {
    conn.state = 'closed';
    this.conns.delete(conn.id);
    actions.push({ type: 'close', conn: conn.id });
  }

  /** Keeps the pool at its budget: a clock opened now is the comb a later refinement needs. */
  private refill(actions: SearchAction[]): void {
    // Stop refilling after repeated failures: the driver reports the reason; opening more helps nobody.
    if (this.openFailures > this.config.maxConnections) return;
    while (this.conns.size < this.config.maxConnections) {
      const id = this.nextConnId++;
      this.conns.set(id, { id, state: 'opening', idleSinceMs: 0, probeIdleMs: 0, probeAtMs: 0 });
      this.connectionsOpened++;
      actions.push({ type: 'open', conn: id });
    }
    this.peakConnections = Math.max(this.peakConnections, this.conns.size);
  }

  private finish(actions: SearchAction[]): void {
    for (const conn of [...this.conns.values()]) this.close(conn, actions);
    this.done = true;
  }

  private estimateFinish(bracket: Bracket, nowMs: number): number | null {
    if (bracket.hiMs === null) return null;
    const width = bracket.hiMs - (bracket.loMs ?? this.config.minMs);
    return nowMs + Math.max(0, width);
  }

  private confidence(bracket: Bracket): number {
    const total = this.observations.length;
    if (total === 0) return 0;
    return Math.max(0, 1 - bracket.contradictions / total);
  }

  private notes(bracket: Bracket): string[] {
    const notes: string[] = [];
    if (this.abortReason !== null) notes.push(`stopped early: ${this.abortReason}`);
    if (bracket.contradictions > 0) {
      notes.push(`${bracket.contradictions} eviction(s) at idles another connection survived: the timeout is not sharp`);
    }
    if (this.openFailures > 0) notes.push(`${this.openFailures} probe connection(s) failed to open`);
    return notes;
  }
}
