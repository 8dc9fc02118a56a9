/**
 * Bookkeeping shared by the baseline strategies: the search's own pool of probe connections used
 * as clocks (client/search/clock-pool.ts), what each test observed, and the honest answer built
 * from those observations with the same `bracketOf` that idlescope's search uses. A baseline
 * differs from idlescope only in when it opens and probes.
 */
import { bracketOf } from '../../client/search/bracket.js';
import { ClockPool, type ClockReading } from '../../client/search/clock-pool.js';
import { findingText } from '../../client/report/findings-text.js';
import type {
  ConnId,
  Direction,
  DirectionResult,
  EvictionKind,
  Observation,
  ProbeOutcome,
  SearchProgress,
} from '../../client/search/types.js';

export class ProbeLedger {
  readonly pool = new ClockPool();
  readonly observations: Observation[] = [];

  constructor(readonly direction: Direction) {}

  /** Records a probe's result; a survivor is idle again from `nowMs`, an evicted one is forgotten. */
  outcome(id: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): Observation | null {
    return this.record(this.pool.outcome(id, nowMs, outcome, testedAtMs));
  }

  /** The middlebox closed the connection by itself (a proxy's FIN): "evicted at this idle". */
  diedIdle(id: ConnId, nowMs: number, how: EvictionKind): Observation | null {
    return this.record(this.pool.diedIdle(id, nowMs, how));
  }

  private record(reading: ClockReading | null): Observation | null {
    if (reading === null) return null;
    this.observations.push(reading.observation);
    return reading.observation;
  }

  result(notes: string[]): DirectionResult {
    const bracket = bracketOf(this.observations);
    const total = this.observations.length;
    const allNotes = [...notes];
    if (bracket.contradictions > 0)
      allNotes.push(`${bracket.contradictions} eviction(s) at idles another connection survived`);
    if (this.pool.openFailures > 0)
      allNotes.push(findingText({ kind: 'open-failures', count: this.pool.openFailures }));
    return {
      direction: this.direction,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      eviction: bracket.eviction,
      confidence: total === 0 ? 0 : Math.max(0, 1 - bracket.contradictions / total),
      findings: [],
      notes: allNotes,
      probesSent: this.pool.probesSent,
      connectionsOpened: this.pool.connectionsOpened,
      peakConnections: this.pool.peakConnections,
      observations: [...this.observations],
    };
  }

  progress(nowMs: number, finished: boolean, etaMs: number | null): SearchProgress {
    return this.pool.progress(
      this.direction,
      bracketOf(this.observations),
      this.observations,
      nowMs,
      finished,
      etaMs,
    );
  }
}
