/**
 * Wraps a SearchEngine so that a search stuck in a loop (deciding again and again without the
 * virtual clock getting anywhere) is aborted instead of hanging the bench: the simulation is
 * synchronous, so nothing else could stop it. A normal run decides a few thousand times.
 */
import type {
  ConnId,
  DirectionResult,
  EvictionKind,
  PassBudget,
  ProbeOutcome,
  SearchAction,
  SearchEngine,
  SearchProgress,
} from '../client/search/types.js';

export const MAX_DECISIONS = 500_000;

export class RunawayGuard implements SearchEngine {
  private decisions = 0;
  tripped = false;

  constructor(
    readonly inner: SearchEngine,
    private readonly maxDecisions = MAX_DECISIONS,
  ) {}

  get direction(): SearchEngine['direction'] {
    return this.inner.direction;
  }

  get finished(): boolean {
    return this.tripped || this.inner.finished;
  }

  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null } {
    if (this.tripped) return { actions: [], wakeAtMs: null };
    if (++this.decisions > this.maxDecisions) {
      this.tripped = true;
      this.inner.abort(`bench: more than ${this.maxDecisions} decisions, the search looks stuck`);
      return { actions: [], wakeAtMs: null };
    }
    return this.inner.decide(nowMs);
  }

  opened(conn: ConnId, idleSinceMs: number): void {
    this.inner.opened(conn, idleSinceMs);
  }
  openFailed(conn: ConnId, nowMs: number, reason: string): void {
    this.inner.openFailed(conn, nowMs, reason);
  }
  outcome(conn: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): void {
    this.inner.outcome(conn, nowMs, outcome, testedAtMs);
  }
  diedIdle(conn: ConnId, nowMs: number, how: EvictionKind): void {
    this.inner.diedIdle(conn, nowMs, how);
  }
  forget(conn: ConnId): void {
    this.inner.forget(conn);
  }

  controlRtt(rttMs: number): void {
    this.inner.controlRtt?.(rttMs);
  }

  passBudget(): PassBudget | null {
    return this.inner.passBudget?.() ?? null;
  }

  shareRecheck(budget: number): void {
    this.inner.shareRecheck?.(budget);
  }

  abort(reason: string): void {
    this.inner.abort(reason);
  }
  result(): DirectionResult {
    return this.inner.result();
  }
  progress(nowMs: number): SearchProgress {
    return this.inner.progress(nowMs);
  }
}
