/**
 * Pass records for the planners' unit tests, written as patterns: `tests(batch, atS, '96+ 98x 100+')`
 * is one batch at `atS` seconds, '+' survived, 'x' a silent drop, 'r' a reset, 'c' a close.
 */
import type { TestRecord } from '../../../client/search/pass-record.js';
import { defaultResolutionMs } from '../../../client/search/search-config.js';
import type { EvictionKind, SearchLimits } from '../../../client/search/types.js';

export const S = 1000;

/** The CLI's defaults: 1 s to 7440 s, 1% resolution (at least 1 s). */
export const LIMITS: SearchLimits = { minMs: 1 * S, maxMs: 7440 * S, resolutionMs: defaultResolutionMs };

const HOW: Record<string, EvictionKind> = { x: 'silent-drop', r: 'reset', c: 'close' };
let nextConn = 1;

/** One batch of tests made at `atS`; `first` marks them as their connections' first tests. */
export function tests(batch: number, atS: number, pattern: string, first = false): TestRecord[] {
  return pattern
    .trim()
    .split(/\s+/)
    .map((token) => {
      const mark = token.slice(-1);
      const survived = mark === '+';
      return {
        conn: nextConn++,
        idleMs: Number(token.slice(0, -1)) * S,
        atMs: atS * S,
        survived,
        how: survived ? null : (HOW[mark] ?? 'silent-drop'),
        spontaneous: false,
        batch,
        first,
      };
    });
}

/** A spontaneous death of an idle connection at `idleS` (no test: batch 0). */
export function diedIdle(idleS: number, atS: number, how: EvictionKind = 'close'): TestRecord {
  return {
    conn: nextConn++,
    idleMs: idleS * S,
    atMs: atS * S,
    survived: false,
    how,
    spontaneous: true,
    batch: 0,
    first: false,
  };
}
