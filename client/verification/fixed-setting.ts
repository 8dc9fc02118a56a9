/**
 * `idlescope verify`'s plan: the held connections to open for ONE given setting (no ladder), and
 * when each is tested. Pure: a function of the setting, the connection count, the directions and
 * the hold, so a test can call it.
 *
 *   open ── n connections with the setting, phases spread over one period ── hold ──► each tested
 *        ── one control per direction (no refresh) ─────────────────────── hold ──► tested (must die)
 *
 * Connection i tests direction i mod (directions), so every direction gets every other phase; a
 * test lands at the connection's first worst moment at or after the hold (worst-moment.ts), so it
 * is held at least the hold and idle about one whole period when tested.
 */
import type { Direction } from '../search/types.js';
import { phaseOffsetsMs } from './ladder.js';
import { periodOf, type RefreshSetting } from './verdict.js';

export interface FixedHeld {
  setting: RefreshSetting;
  direction: Direction;
  /** Where in its cycle it refreshes, ms after it opened (held-connection.ts; 0: one period in). */
  phaseOffsetMs: number;
}

export interface FixedSettingPlan {
  held: FixedHeld[];
  /** One control connection per direction, held as long with no refresh. */
  controls: Direction[];
  holdMs: number;
}

/** The held connections of a fixed-setting verification: `connections` of them, phase-staggered. */
export function planFixedSetting(
  setting: RefreshSetting,
  connections: number,
  directions: readonly Direction[],
  holdMs: number,
): FixedSettingPlan {
  if (directions.length === 0) throw new Error('planFixedSetting: no direction');
  if (connections < directions.length) throw new Error('planFixedSetting: fewer connections than directions');
  const periodS = periodOf(setting) / 1000;
  const offsets = phaseOffsetsMs(periodS, connections);
  const held = offsets.map((phaseOffsetMs, i) => ({
    setting,
    direction: directions[i % directions.length] as Direction,
    phaseOffsetMs,
  }));
  return { held, controls: [...directions], holdMs };
}

/**
 * When a held connection's test is booked: a period before its hold ends (or at once, for a short
 * hold), so that its worst moment past the hold can be picked from its latest known refresh.
 */
export function bookingAtMs(heldSinceMs: number, holdMs: number, periodMs: number): number {
  return heldSinceMs + Math.max(0, holdMs - 2 * periodMs);
}
