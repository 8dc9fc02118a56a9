/**
 * Baseline: the k-ary rounds of leon0625/nat_timeout_detect. About 20 connections are opened at
 * once, connection i waits the i-th of 20 idles spread evenly over [lo, hi], and the round ends at
 * its first eviction; [lo, hi] narrows to the longest survival and that eviction, and a new round
 * of fresh connections starts, until the bracket is within the resolution.
 *
 *   round 1   lo ·─✓─✓─✓─✗· hi        20 waits over [min, max]; the round ends at the first ✗
 *   round 2      lo ·✓✓✓✗· hi        20 waits over the new (lo, hi]; and so on
 *
 * Every round is as long as its first eviction: about T each, since a round's waits all start at
 * its beginning. Measured in a strict-NAT lab (the field notes): T = 13 s with range 1..40 took
 * 14.5 s, T = 37 s with range 10..300 took 77.6 s. It tests one direction (the peer tests server
 * to client only).
 */
import type { ConnId, SearchAction, SearchConfig } from '../../client/search/types.js';
import { bracketOf } from '../../client/search/bracket.js';
import { CROSSING_TOLERANCE_MS } from '../../client/search/clock-pool.js';
import { LedgerStrategy } from './ledger-strategy.js';

/** The peer's parallel waits per round. */
export const KARY_WAITS = 20;

export type KaryRoundsConfig = Omit<SearchConfig, 'maxConnections'> & { waits?: number };

export class KaryRoundsSearch extends LedgerStrategy {
  private readonly waits: number;
  /** The idle each connection of the current round waits. */
  private readonly waitOf = new Map<ConnId, number>();
  private roundOpen = false;
  private rounds = 0;

  constructor(private readonly config: KaryRoundsConfig) {
    if (!(config.minMs > 0 && config.maxMs >= config.minMs)) throw new RangeError('need 0 < minMs <= maxMs');
    super(config.direction);
    this.waits = config.waits ?? KARY_WAITS;
  }

  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null } {
    if (this.done) return { actions: [], wakeAtMs: null };
    const actions: SearchAction[] = [];
    const observations = this.ledger.observations;
    // The round is over at its first eviction, or when every wait was answered.
    if (this.roundOpen && this.ledger.pool.pendingIdles().length === 0) {
      const roundOver =
        observations.some((o) => !o.survived && this.waitOf.has(o.conn)) ||
        [...this.waitOf.keys()].every((c) => observations.some((o) => o.conn === c));
      if (roundOver) this.endRound(actions);
    }
    if (!this.roundOpen) {
      const range = this.nextRange();
      if (range === null) {
        this.ledger.pool.closeAll(actions);
        this.done = true;
        return { actions, wakeAtMs: null };
      }
      this.startRound(range, actions);
      return { actions, wakeAtMs: null };
    }
    // After the round's first eviction nothing longer is worth a wait: the peer ends the round there.
    if (observations.some((o) => !o.survived && this.waitOf.has(o.conn))) return { actions, wakeAtMs: null };
    let wakeAtMs: number | null = null;
    for (const conn of this.ledger.pool.all()) {
      const waitMs = this.waitOf.get(conn.id);
      if (conn.state !== 'idle' || waitMs === undefined) continue;
      if (observations.some((o) => o.conn === conn.id)) continue; // answered: waits for the round's end
      if (nowMs - conn.idleSinceMs + CROSSING_TOLERANCE_MS >= waitMs) {
        this.ledger.pool.probe(conn, nowMs, this.rounds, actions);
      } else {
        const crossing = conn.idleSinceMs + waitMs;
        wakeAtMs = wakeAtMs === null ? crossing : Math.min(wakeAtMs, crossing);
      }
    }
    return { actions, wakeAtMs };
  }

  protected notes(): string[] {
    return [`${this.rounds} round(s) of ${this.waits} parallel waits`];
  }

  /** The range of the next round, or null when the bracket is narrow enough (or nothing died up to max). */
  private nextRange(): { loMs: number; hiMs: number } | null {
    const { minMs, maxMs, resolutionMs } = this.config;
    const { loMs, hiMs } = bracketOf(this.ledger.observations);
    if (this.rounds === 0) return { loMs: minMs, hiMs: maxMs };
    if (hiMs === null) return null; // survived every wait up to --max
    if (hiMs <= minMs) return null;
    const lo = loMs ?? minMs;
    if (hiMs - lo <= resolutionMs(hiMs)) return null;
    return { loMs: lo, hiMs };
  }

  /** Opens the round's connections at once, each waiting one of the idles spread over (lo, hi]. */
  private startRound({ loMs, hiMs }: { loMs: number; hiMs: number }, actions: SearchAction[]): void {
    this.rounds++;
    this.roundOpen = true;
    this.waitOf.clear();
    const first = this.rounds === 1;
    for (let i = 1; i <= this.waits; i++) {
      // The first round tests its lower end too (min itself); later ones only what lies above lo.
      const waitMs = first
        ? loMs + ((i - 1) * (hiMs - loMs)) / (this.waits - 1)
        : loMs + (i * (hiMs - loMs)) / this.waits;
      this.waitOf.set(this.ledger.pool.open(actions).id, waitMs);
    }
  }

  private endRound(actions: SearchAction[]): void {
    this.roundOpen = false;
    this.ledger.pool.closeAll(actions);
  }
}
