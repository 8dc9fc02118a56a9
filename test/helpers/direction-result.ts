/** A DirectionResult for report tests: a bracket and how it was evicted, the rest plausible. */
import type { Direction, DirectionResult, EvictionKind } from '../../client/search/types.js';

export function directionResult(
  direction: Direction,
  survivedMs: number | null,
  evictedMs: number | null,
  eviction: EvictionKind | null = evictedMs === null ? null : 'silent-drop',
  extra: Partial<DirectionResult> = {},
): DirectionResult {
  return {
    direction,
    survivedMs,
    evictedMs,
    eviction,
    confidence: 0.9,
    findings: [],
    notes: [],
    probesSent: 10,
    connectionsOpened: 5,
    peakConnections: 5,
    observations: [],
    ...extra,
  };
}
