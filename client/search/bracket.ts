/**
 * From observations to a bracket: the longest idle seen to survive and the shortest seen evicted.
 *
 * A survival is proof: a connection idle x reached the far side, so nothing evicts below x for
 * sure. An eviction is weaker evidence: a lost probe or a periodic sweep can evict (or seem to) at
 * an idle some other connection survived. When the two disagree the bracket never claims more
 * than the observations allow: the lower bound stays below every eviction and the upper bound
 * above every survival, so the reported interval contains the whole zone where evictions begin.
 */
import type { EvictionKind, Observation } from './types.js';

export interface Bracket {
  /** Longest idle that survived, below every eviction that counts (null: none). */
  loMs: number | null;
  /** Shortest idle evicted, above every survival (null: none). */
  hiMs: number | null;
  /** The kind of the eviction at `hiMs`. */
  eviction: EvictionKind | null;
  /** Evictions seen at idles where a longer idle survived: the mixed zone, if any. */
  contradictions: number;
}

/**
 * `ignored` holds observations the caller has judged spurious (a re-test at the same idle survived
 * several times), so they no longer pull the lower bound down.
 */
export function bracketOf(
  observations: readonly Observation[],
  ignored: ReadonlySet<Observation> = new Set(),
): Bracket {
  let maxSurvived: number | null = null;
  let minEvicted: number | null = null;
  for (const o of observations) {
    if (ignored.has(o)) continue;
    if (o.survived) maxSurvived = maxSurvived === null ? o.idleMs : Math.max(maxSurvived, o.idleMs);
    else minEvicted = minEvicted === null ? o.idleMs : Math.min(minEvicted, o.idleMs);
  }
  let loMs: number | null = null;
  let hiMs: number | null = null;
  let eviction: EvictionKind | null = null;
  let contradictions = 0;
  for (const o of observations) {
    if (ignored.has(o)) continue;
    if (o.survived) {
      if (minEvicted === null || o.idleMs < minEvicted)
        loMs = loMs === null ? o.idleMs : Math.max(loMs, o.idleMs);
    } else if (maxSurvived === null || o.idleMs > maxSurvived) {
      if (hiMs === null || o.idleMs < hiMs) {
        hiMs = o.idleMs;
        eviction = o.how;
      }
    } else {
      contradictions++;
    }
  }
  return { loMs, hiMs, eviction, contradictions };
}
