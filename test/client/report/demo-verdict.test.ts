/**
 * Whether the demo found the timeout it emulated, on results made up for each case: inside the
 * bracket, just outside it (the emulator's relay lag), missed, nothing evicted, --max below T.
 */
import { describe, expect, it } from 'vitest';
import {
  FOUND_TOLERANCE_MS,
  demoVerdict,
  demoVerdictLine,
  toJsonDemo,
  type DemoSetting,
} from '../../../client/report/demo-verdict.js';
import type { Direction } from '../../../client/search/types.js';
import { directionResult } from '../../helpers/direction-result.js';

const result = (direction: Direction, survivedMs: number | null, evictedMs: number | null) =>
  directionResult(direction, survivedMs, evictedMs);

const SETTING: DemoSetting = { emulatedTimeoutMs: 20_000, mode: 'drop', maxMs: 60_000 };

describe('demo verdict', () => {
  it('found: T inside the bracket of the direction that dies first', () => {
    const v = demoVerdict(
      { inbound: result('inbound', 19_980, 20_020), outbound: result('outbound', 19_000, 25_000) },
      SETTING,
    );
    expect(v.found, 'found').toBe(true);
    expect(v.direction, 'the direction that dies first').toBe('inbound');
    expect(v.outsideByMs, 'inside').toBe(0);
    expect(demoVerdictLine(v)).toBe(
      'Demo: found the emulated timeout (20 s, drop): it lies in the inbound bracket (19.980 s, 20.020 s].',
    );
    expect(toJsonDemo(v), 'the JSON').toEqual({
      emulated_timeout_s: 20,
      mode: 'drop',
      max_s: 60,
      found: true,
      direction: 'inbound',
      outside_by_s: 0,
    });
  });

  it(`found: T up to ${FOUND_TOLERANCE_MS} ms below the survived bound, saying by how much`, () => {
    const v = demoVerdict({ outbound: result('outbound', 20_040, 20_300) }, SETTING);
    expect(v.found, 'found').toBe(true);
    expect(v.outsideByMs, 'outside by').toBe(40);
    expect(demoVerdictLine(v)).toBe(
      'Demo: found the emulated timeout (20 s, drop): 40 ms outside the outbound bracket ' +
        `(20.040 s, 20.300 s], within the emulator's relay lag (${FOUND_TOLERANCE_MS} ms).`,
    );
  });

  it('not found: a bracket that misses T by more than the lag', () => {
    const v = demoVerdict({ inbound: result('inbound', 25_000, 30_000) }, SETTING);
    expect(v.found, 'not found').toBe(false);
    expect(v.outsideByMs, 'outside by').toBe(5000);
    expect(demoVerdictLine(v)).toBe(
      'Demo: did not find the emulated timeout (20 s, drop): the inbound bracket (25.000 s, 30.000 s] ' +
        'misses it by 5000 ms.',
    );
    expect(toJsonDemo(v).found, 'JSON found').toBe(false);
  });

  it('not found: nothing evicted, and why when --max is below T', () => {
    const below = demoVerdict(
      { inbound: result('inbound', 60_000, null) },
      { ...SETTING, emulatedTimeoutMs: 100_000 },
    );
    expect(below.found, 'not found').toBe(false);
    expect(below.outsideByMs, 'nothing to compare').toBeNull();
    expect(demoVerdictLine(below)).toBe(
      'Demo: did not find the emulated timeout (100 s, drop): --max (60 s) is below it.',
    );
    expect(toJsonDemo(below).outside_by_s, 'JSON').toBeNull();
    const stopped = demoVerdict({ inbound: result('inbound', 8_000, null) }, SETTING);
    expect(demoVerdictLine(stopped)).toBe(
      'Demo: did not find the emulated timeout (20 s, drop): nothing was evicted up to 8.000 s.',
    );
    const empty = demoVerdict({}, SETTING);
    expect(empty.found, 'no data: not found').toBe(false);
    expect(demoVerdictLine(empty)).toBe(
      'Demo: did not find the emulated timeout (20 s, drop): nothing was evicted up to the end of the run.',
    );
  });
});
