/**
 * Baseline: the serial binary search of RFC 5780 §4.6, Nordic NAT-Test and baresip's natbd, over
 * one TCP connection at a time.
 *
 *   doubling   wait min, 2·min, 4·min ... (capped at max) on one connection until a wait is evicted
 *   bisection  wait (lo + hi) / 2 until hi - lo ≤ resolution(hi)
 *
 *   time ──►  1s 2s  4s      8s               16s ...        T ✗   (lo+hi)/2 ✓ ...
 *   conn      ●─●──●────●────────●──────────────── ... ───────✗ ●────────────✓ ...
 *
 * A connection that survived a wait is idle again from the reply and serves the next wait (the
 * peers reuse it too); an evicted one is replaced by a fresh connection opened just before the
 * wait. Cost on a sharp timeout: about 2·T for the doubling plus one wait of about T per bisection
 * step, i.e. about T·(2 + log2(T / 2·resolution)): every wait is serial, nothing overlaps.
 *
 * The answer is the bracket of what was observed (bracketOf), never the planned waits.
 */
import { bracketOf } from '../../client/search/bracket.js';
import type { ConnId, SearchAction, SearchConfig } from '../../client/search/types.js';
import { CROSSING_TOLERANCE_MS } from '../../client/search/clock-pool.js';
import { LedgerStrategy } from './ledger-strategy.js';

export type SerialBinaryConfig = Omit<SearchConfig, 'maxConnections'>;

export class SerialBinarySearch extends LedgerStrategy {
  /** The wait of the last doubling test, so the next one is exactly twice it. */
  private lastDoublingWaitMs: number | null = null;

  constructor(private readonly config: SerialBinaryConfig) {
    if (!(config.minMs > 0 && config.maxMs >= config.minMs)) throw new RangeError('need 0 < minMs <= maxMs');
    super(config.direction);
  }

  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null } {
    if (this.done) return { actions: [], wakeAtMs: null };
    const actions: SearchAction[] = [];
    const wait = this.nextWaitMs();
    if (wait === null) {
      this.ledger.pool.closeAll(actions);
      this.done = true;
      return { actions, wakeAtMs: null };
    }
    const [conn] = this.ledger.pool.all();
    if (conn === undefined) {
      this.ledger.pool.open(actions);
      return { actions, wakeAtMs: null };
    }
    if (conn.state !== 'idle') return { actions, wakeAtMs: null };
    if (nowMs - conn.idleSinceMs + CROSSING_TOLERANCE_MS >= wait) {
      if (this.bracket().hiMs === null) this.lastDoublingWaitMs = wait;
      this.ledger.pool.probe(conn, nowMs, 0, actions);
      return { actions, wakeAtMs: null };
    }
    return { actions, wakeAtMs: conn.idleSinceMs + wait };
  }

  override openFailed(conn: ConnId, nowMs: number, reason: string): void {
    super.openFailed(conn, nowMs, reason);
    // A serial search with no connection cannot go on; the peers give up too.
    if (this.ledger.pool.openFailures >= 3) this.abort('probe connections fail to open');
  }

  protected notes(): string[] {
    return [];
  }

  private bracket(): ReturnType<typeof bracketOf> {
    return bracketOf(this.ledger.observations);
  }

  /** The idle to test next, or null when the search is over. */
  private nextWaitMs(): number | null {
    const { minMs, maxMs, resolutionMs } = this.config;
    const { loMs, hiMs } = this.bracket();
    if (hiMs === null) {
      if (loMs !== null && loMs >= maxMs) return null;
      return this.lastDoublingWaitMs === null ? minMs : Math.min(maxMs, this.lastDoublingWaitMs * 2);
    }
    if (hiMs <= minMs) return null;
    if (loMs !== null && hiMs - loMs <= resolutionMs(hiMs)) return null;
    return Math.max(minMs, ((loMs ?? 0) + hiMs) / 2);
  }
}
