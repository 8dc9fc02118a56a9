/**
 * Baseline: the linear ladder of AndersTrier/NAT-TCP-test. N connections are opened at once and
 * connection i is tested once, after i·step of idle (step 60 s and 130 connections by default
 * there: "connection i tested after i minutes").
 *
 *   time ──►  0     step    2·step   3·step  ...   N·step
 *   conn 1    ●──────✓
 *   conn 2    ●───────────────✓
 *   conn 3    ●────────────────────────✗          the answer: (2·step, 3·step]
 *   ...
 *
 * N = ceil(max / step), capped by the connection budget. The peer runs every rung to the end, so
 * it always takes about N·step; `stopOnEviction` is the obvious improvement (stop at the first
 * eviction of a sharp timeout) and is offered for a fairer comparison. Either way the bracket is
 * one step wide, and nothing below `step` can be told apart.
 */
import type { ConnId, ProbeOutcome, SearchAction, SearchConfig } from '../../client/search/types.js';
import { CROSSING_TOLERANCE_MS } from '../../client/search/clock-pool.js';
import { LedgerStrategy } from './ledger-strategy.js';

/** The peer's default: one rung a minute. */
export const LADDER_STEP_MS = 60_000;

export interface LinearLadderConfig extends Pick<SearchConfig, 'direction' | 'maxMs' | 'maxConnections'> {
  stepMs: number;
  /** Stop at the first eviction instead of running every rung (the peer does not). */
  stopOnEviction: boolean;
}

export class LinearLadderSearch extends LedgerStrategy {
  readonly rungs: number;
  /** Which rung each connection serves: rung i is tested at idle i·step. */
  private readonly rungOf = new Map<ConnId, number>();
  /** Connections whose rung is done: closed at the next decision. */
  private readonly tested = new Set<ConnId>();
  private started = false;

  constructor(private readonly config: LinearLadderConfig) {
    if (!(config.stepMs > 0 && config.maxMs >= config.stepMs))
      throw new RangeError('need 0 < stepMs <= maxMs');
    if (!(config.maxConnections >= 1)) throw new RangeError('need at least 1 connection');
    super(config.direction);
    this.rungs = Math.min(config.maxConnections, Math.ceil(config.maxMs / config.stepMs));
  }

  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null } {
    if (this.done) return { actions: [], wakeAtMs: null };
    const actions: SearchAction[] = [];
    if (!this.started) {
      this.started = true;
      for (let rung = 1; rung <= this.rungs; rung++) this.rungOf.set(this.ledger.pool.open(actions).id, rung);
      return { actions, wakeAtMs: null };
    }
    const evicted = this.ledger.observations.some((o) => !o.survived);
    if (this.ledger.pool.size === 0 || (this.config.stopOnEviction && evicted)) {
      this.ledger.pool.closeAll(actions);
      this.done = true;
      return { actions, wakeAtMs: null };
    }
    let wakeAtMs: number | null = null;
    for (const conn of this.ledger.pool.all()) {
      if (conn.state !== 'idle') continue;
      if (this.tested.has(conn.id)) {
        this.ledger.pool.close(conn, actions);
        continue;
      }
      const atMs = (this.rungOf.get(conn.id) as number) * this.config.stepMs;
      if (nowMs - conn.idleSinceMs + CROSSING_TOLERANCE_MS >= atMs) {
        this.ledger.pool.probe(conn, nowMs, 0, actions);
      } else {
        const crossing = conn.idleSinceMs + atMs;
        wakeAtMs = wakeAtMs === null ? crossing : Math.min(wakeAtMs, crossing);
      }
    }
    if (this.ledger.pool.size === 0) this.done = true;
    return { actions, wakeAtMs };
  }

  override outcome(conn: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): void {
    // Each connection serves one rung; a survivor has nothing left to do.
    if (this.ledger.outcome(conn, nowMs, outcome, testedAtMs)?.survived === true) this.tested.add(conn);
  }

  protected notes(): string[] {
    return [
      `ladder: ${this.rungs} connection(s), one test each every ${this.config.stepMs / 1000} s of idle`,
    ];
  }
}
