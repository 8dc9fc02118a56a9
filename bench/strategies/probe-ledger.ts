/**
 * Bookkeeping shared by the baseline strategies: which probe connections exist, what each test
 * observed, and the honest answer built from those observations with the same `bracketOf` that
 * idlescope's search uses. A baseline differs from idlescope only in when it opens and probes.
 */
import { bracketOf } from '../../client/search/bracket.js';
import type {
  ConnId,
  Direction,
  DirectionResult,
  EvictionKind,
  Observation,
  ProbeOutcome,
  SearchAction,
  SearchProgress,
} from '../../client/search/types.js';

export type LedgerConnState = 'opening' | 'idle' | 'probing';

export interface LedgerConn {
  id: ConnId;
  state: LedgerConnState;
  /** Last packet of the connection; meaningful once opened. */
  idleSinceMs: number;
  probeIdleMs: number;
  probeAtMs: number;
}

export class ProbeLedger {
  readonly conns = new Map<ConnId, LedgerConn>();
  readonly observations: Observation[] = [];
  private nextConnId = 1;
  connectionsOpened = 0;
  peakConnections = 0;
  probesSent = 0;
  openFailures = 0;

  constructor(readonly direction: Direction) {}

  open(actions: SearchAction[]): LedgerConn {
    const conn: LedgerConn = {
      id: this.nextConnId++,
      state: 'opening',
      idleSinceMs: 0,
      probeIdleMs: 0,
      probeAtMs: 0,
    };
    this.conns.set(conn.id, conn);
    this.connectionsOpened++;
    this.peakConnections = Math.max(this.peakConnections, this.conns.size);
    actions.push({ type: 'open', conn: conn.id });
    return conn;
  }

  probe(conn: LedgerConn, nowMs: number, actions: SearchAction[]): void {
    conn.state = 'probing';
    conn.probeIdleMs = nowMs - conn.idleSinceMs;
    conn.probeAtMs = nowMs;
    this.probesSent++;
    actions.push({ type: 'probe', conn: conn.id });
  }

  close(conn: LedgerConn, actions: SearchAction[]): void {
    this.conns.delete(conn.id);
    actions.push({ type: 'close', conn: conn.id });
  }

  closeAll(actions: SearchAction[]): void {
    for (const conn of [...this.conns.values()]) this.close(conn, actions);
  }

  opened(id: ConnId, idleSinceMs: number): LedgerConn | null {
    const c = this.conns.get(id);
    if (c === undefined || c.state !== 'opening') return null;
    c.state = 'idle';
    c.idleSinceMs = idleSinceMs;
    return c;
  }

  openFailed(id: ConnId): void {
    const c = this.conns.get(id);
    if (c === undefined || c.state !== 'opening') return;
    this.conns.delete(id);
    this.openFailures++;
  }

  /** Records a probe's result; a survivor is idle again from `nowMs`, an evicted one is forgotten. */
  outcome(id: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): Observation | null {
    const c = this.conns.get(id);
    if (c === undefined || c.state !== 'probing') return null;
    const observation: Observation = {
      conn: id,
      idleMs: testedAtMs === undefined ? c.probeIdleMs : testedAtMs - c.idleSinceMs,
      atMs: c.probeAtMs,
      survived: outcome.survived,
      how: outcome.survived ? null : outcome.how,
      spontaneous: false,
    };
    this.observations.push(observation);
    if (outcome.survived) {
      c.state = 'idle';
      c.idleSinceMs = nowMs;
    } else {
      this.conns.delete(id);
    }
    return observation;
  }

  /** The middlebox closed the connection by itself (a proxy's FIN); an idle one says "evicted at this idle". */
  lost(id: ConnId, nowMs: number, how: EvictionKind): Observation | null {
    const c = this.conns.get(id);
    if (c === undefined) return null;
    if (c.state === 'probing') return this.outcome(id, nowMs, { survived: false, how });
    this.conns.delete(id);
    if (c.state !== 'idle') return null;
    const observation: Observation = {
      conn: id,
      idleMs: nowMs - c.idleSinceMs,
      atMs: nowMs,
      survived: false,
      how,
      spontaneous: true,
    };
    this.observations.push(observation);
    return observation;
  }

  result(notes: string[]): DirectionResult {
    const bracket = bracketOf(this.observations);
    const total = this.observations.length;
    const allNotes = [...notes];
    if (bracket.contradictions > 0)
      allNotes.push(`${bracket.contradictions} eviction(s) at idles another connection survived`);
    if (this.openFailures > 0) allNotes.push(`${this.openFailures} probe connection(s) failed to open`);
    return {
      direction: this.direction,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      eviction: bracket.eviction,
      confidence: total === 0 ? 0 : Math.max(0, 1 - bracket.contradictions / total),
      notes: allNotes,
      probesSent: this.probesSent,
      connectionsOpened: this.connectionsOpened,
      peakConnections: this.peakConnections,
      observations: [...this.observations],
    };
  }

  progress(nowMs: number, finished: boolean, etaMs: number | null): SearchProgress {
    const bracket = bracketOf(this.observations);
    const connections = { idle: 0, probing: 0, opening: 0 };
    for (const c of this.conns.values()) connections[c.state]++;
    return {
      direction: this.direction,
      survivedMs: bracket.loMs,
      evictedMs: bracket.hiMs,
      connections,
      evicted: this.observations.filter((o) => !o.survived).length,
      finished,
      etaMs: finished ? nowMs : etaMs,
    };
  }
}
