/**
 * Whether `idlescope demo` found the timeout it emulated: the bracket of the direction that dies
 * first, (survived, evicted], holds the emulated T, or misses it by some amount. Pure: a function of
 * the report's results and the demo's settings, worded for the text report and kept as data for
 * the JSON.
 *
 * The emulator relays every byte in userspace, so a probe's hello can reach it some ms after the
 * client stamped it and the client reads an idle that much longer than the emulator's: measured at
 * T = 3 s, at most 43 ms in 12 runs (test/client/demo/demo.slow-net.test.ts). A bracket that misses
 * T by no more than FOUND_TOLERANCE_MS still counts as found, and the report says by how much.
 */
import type { Direction, DirectionResult } from '../search/types.js';
import type { MiddleboxMode } from '../demo/middlebox-mode.js';
import { limitingDirection } from './recommendation.js';
import { jsonSeconds } from './format.js';

/** How far outside the bracket the emulated T may lie and still count as found (the relay's lag). */
export const FOUND_TOLERANCE_MS = 60;

/** What the demo emulated and how far it let the search go. */
export interface DemoSetting {
  emulatedTimeoutMs: number;
  mode: MiddleboxMode;
  /** --max, ms. */
  maxMs: number;
}

export interface DemoVerdict extends DemoSetting {
  found: boolean;
  /** The direction whose bracket was compared (the one that dies first); null when none has data. */
  direction: Direction | null;
  survivedMs: number | null;
  evictedMs: number | null;
  /** How far T lies outside (survived, evicted], ms: 0 inside; null when nothing was evicted. */
  outsideByMs: number | null;
}

/** The verdict on a run's results. */
export function demoVerdict(
  directions: Partial<Record<Direction, DirectionResult>>,
  setting: DemoSetting,
): DemoVerdict {
  const limiting = limitingDirection(directions);
  const survivedMs = limiting?.result.survivedMs ?? null;
  const evictedMs = limiting?.result.evictedMs ?? null;
  const t = setting.emulatedTimeoutMs;
  const outsideByMs = evictedMs === null ? null : Math.max(0, (survivedMs ?? 0) - t, t - evictedMs);
  return {
    ...setting,
    found: outsideByMs !== null && outsideByMs <= FOUND_TOLERANCE_MS,
    direction: limiting?.direction ?? null,
    survivedMs,
    evictedMs,
    outsideByMs,
  };
}

/** "20 s", "2.5 s": a value as given. */
const given = (ms: number): string => `${jsonSeconds(ms)} s`;
/** "19.982 s": a measured bound, to the millisecond, since the point is how close it came. */
const bound = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

function bracket(v: DemoVerdict): string {
  const low = v.survivedMs === null ? '0 s' : bound(v.survivedMs);
  return `${v.direction ?? ''} bracket (${low}, ${bound(v.evictedMs ?? 0)}]`;
}

/** The demo's last line: found it or not, and why not. */
export function demoVerdictLine(v: DemoVerdict): string {
  const t = `the emulated timeout (${given(v.emulatedTimeoutMs)}, ${v.mode})`;
  if (v.outsideByMs === null) {
    const reach = v.direction === null ? 'the end of the run' : bound(v.survivedMs ?? 0);
    const why =
      v.maxMs < v.emulatedTimeoutMs
        ? `--max (${given(v.maxMs)}) is below it`
        : `nothing was evicted up to ${reach}`;
    return `Demo: did not find ${t}: ${why}.`;
  }
  if (v.outsideByMs === 0) return `Demo: found ${t}: it lies in the ${bracket(v)}.`;
  const by = `${Math.round(v.outsideByMs)} ms`;
  if (v.found)
    return (
      `Demo: found ${t}: ${by} outside the ${bracket(v)}, within the emulator's relay lag ` +
      `(${FOUND_TOLERANCE_MS} ms).`
    );
  return `Demo: did not find ${t}: the ${bracket(v)} misses it by ${by}.`;
}

/** The verdict in the JSON report (`demo`, present only in a demo's report). */
export interface JsonDemo {
  emulated_timeout_s: number;
  mode: MiddleboxMode;
  max_s: number;
  found: boolean;
  direction: Direction | null;
  /** How far the emulated timeout lies outside the bracket: 0 inside, null when nothing was evicted. */
  outside_by_s: number | null;
}

export function toJsonDemo(v: DemoVerdict): JsonDemo {
  return {
    emulated_timeout_s: jsonSeconds(v.emulatedTimeoutMs),
    mode: v.mode,
    max_s: jsonSeconds(v.maxMs),
    found: v.found,
    direction: v.direction,
    outside_by_s: jsonSeconds(v.outsideByMs),
  };
}
