/**
 * What every baseline strategy shares: a ProbeLedger that keeps its clock pool and observations,
 * the finished/aborted state, and the SearchEngine reports that only bookkeep. A strategy adds its
 * own decide(), and notes for its result.
 */
import type {
  ConnId,
  Direction,
  DirectionResult,
  EvictionKind,
  ProbeOutcome,
  SearchAction,
  SearchEngine,
  SearchProgress,
} from '../../client/search/types.js';
import { findingText } from '../../client/report/findings-text.js';
import { ProbeLedger } from './probe-ledger.js';

export abstract class LedgerStrategy implements SearchEngine {
  protected readonly ledger: ProbeLedger;
  protected done = false;
  protected abortReason: string | null = null;

  constructor(readonly direction: Direction) {
    this.ledger = new ProbeLedger(direction);
  }

  get finished(): boolean {
    return this.done;
  }

  abstract decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null };

  /** Notes of this strategy's own, before any "stopped early". */
  protected abstract notes(): string[];

  opened(conn: ConnId, idleSinceMs: number): void {
    this.ledger.pool.opened(conn, idleSinceMs);
  }

  openFailed(conn: ConnId, _nowMs: number, _reason: string): void {
    this.ledger.pool.openFailed(conn);
  }

  outcome(conn: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): void {
    this.ledger.outcome(conn, nowMs, outcome, testedAtMs);
  }

  diedIdle(conn: ConnId, nowMs: number, how: EvictionKind): void {
    this.ledger.diedIdle(conn, nowMs, how);
  }

  forget(conn: ConnId): void {
    this.ledger.pool.forget(conn);
  }

  abort(reason: string): void {
    if (this.done) return;
    this.abortReason = reason;
    this.done = true;
    this.ledger.pool.clear();
  }

  result(): DirectionResult {
    const notes = this.notes();
    if (this.abortReason !== null)
      notes.push(
        findingText({ kind: 'stopped-early', reason: { kind: 'aborted', message: this.abortReason } }),
      );
    return this.ledger.result(notes);
  }

  progress(nowMs: number): SearchProgress {
    return this.ledger.progress(nowMs, this.done, null);
  }
}
