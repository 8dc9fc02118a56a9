/**
 * The one way to build a search: options as the CLI, the bench and the tests have them, turned
 * into a `SearchConfig` with the search's own defaults, and the engine made from it.
 */
import { IdleSearch } from './idle-search.js';
import type { Direction, SearchConfig } from './types.js';

/** Default resolution: 1% of the timeout, but never finer than a second. */
export function defaultResolutionMs(hiMs: number): number {
  return Math.max(1000, hiMs * 0.01);
}

export interface SearchOptions {
  direction: Direction;
  minMs: number;
  maxMs: number;
  /** Most probe connections this search may hold at once. */
  maxConnections: number;
  /**
   * Target bracket width: a function of the eviction bound, an absolute width in ms, or null
   * (or absent) for `defaultResolutionMs`.
   */
  resolutionMs?: number | ((hiMs: number) => number) | null;
}

export function searchConfigFor(options: SearchOptions): SearchConfig {
  const { direction, minMs, maxMs, maxConnections, resolutionMs = null } = options;
  const absoluteMs = typeof resolutionMs === 'number' ? resolutionMs : null;
  return {
    direction,
    minMs,
    maxMs,
    maxConnections,
    resolutionMs:
      absoluteMs !== null
        ? () => absoluteMs
        : typeof resolutionMs === 'function'
          ? resolutionMs
          : defaultResolutionMs,
  };
}

/** The search engine for these options; throws RangeError for an impossible configuration. */
export function createSearch(options: SearchOptions): IdleSearch {
  return new IdleSearch(searchConfigFor(options));
}
