import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { INITIAL_LIVE_STATE, observe } from '../../../../client/cli/live-view/live-state.js';
import { clock, liveLines, logLine } from '../../../../client/cli/live-view/live-text.js';
import type { DiscoveryProgress } from '../../../../client/discovery/discovery-run.js';
import type { SearchProgress } from '../../../../client/search/types.js';

const S = 1000;
const SETTINGS = { maxMs: 120 * S, graceMs: 1.5 * S };
const ESC = '\u001b[';

const PROGRESS: DiscoveryProgress = {
  elapsedMs: 72 * S,
  nowMs: 1_000_000,
  directions: [
    {
      direction: 'inbound',
      survivedMs: 23.1 * S,
      evictedMs: 31 * S,
      connections: { idle: 60, probing: 3, opening: 2 },
      evicted: 14,
      finished: false,
      etaMs: 1_000_000 + 48 * S,
      oldestIdleMs: 40 * S,
    },
    {
      direction: 'outbound',
      survivedMs: 40 * S,
      evictedMs: null,
      connections: { idle: 60, probing: 0, opening: 0 },
      evicted: 0,
      finished: false,
      etaMs: null,
      oldestIdleMs: 41.2 * S,
    },
  ] satisfies SearchProgress[],
};

const STATE = observe(INITIAL_LIVE_STATE, PROGRESS).state;

describe('liveLines', () => {
  it('shows the bar, elapsed and remaining time, each bracket in words, the connections and events', () => {
    const lines = liveLines(STATE, PROGRESS, SETTINGS, { columns: 120, colour: false });
    expect(lines[0]).toMatch(/^idlescope █+░+ +\d+% {2}1m 12s elapsed, up to 1m 20s left/);
    expect(lines[1]).toBe('  inbound   dies between 23.1 s and 31.0 s idle, narrowing');
    expect(lines[2]).toBe('  outbound  no eviction yet: survived 40.0 s idle (longest idle now 41.2 s)');
    expect(lines[3]).toBe('  connections: 120 idle, 3 under test, 2 opening, 14 evicted');
    expect(lines.slice(4)).toEqual([
      '   1m 12s  inbound evicted at 31.0 s idle',
      '   1m 12s  inbound survived 23.1 s idle',
      '   1m 12s  outbound survived 40.0 s idle',
    ]);
  });

  it.each([40, 60, 80, 200])('fits every line into %d columns', (columns) => {
    for (const line of liveLines(STATE, PROGRESS, SETTINGS, { columns, colour: true })) {
      expect(stringWidth(line), line).toBeLessThanOrEqual(columns);
    }
  });

  it('uses colour only when allowed', () => {
    const plain = liveLines(STATE, PROGRESS, SETTINGS, { columns: 120, colour: false }).join('\n');
    expect(plain).not.toContain(ESC);
    const coloured = liveLines(STATE, PROGRESS, SETTINGS, { columns: 120, colour: true }).join('\n');
    expect(coloured).toContain(ESC);
  });
});

describe('logLine', () => {
  it('is one plain line with the time, the remaining time and both brackets', () => {
    const line = logLine(PROGRESS, SETTINGS);
    expect(line).toBe(
      'idlescope: 1m 12s elapsed, up to 1m 20s left (less once an eviction is seen): ' +
        'inbound dies between 23.1 s and 31.0 s idle, narrowing; ' +
        'outbound no eviction yet: survived 40.0 s idle (longest idle now 41.2 s)',
    );
    expect(line).not.toContain('\n');
  });
});

describe('clock', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [42_500, '42s'],
    [72_000, '1m 12s'],
    [7_440_000, '2h 4m'],
  ])('%d ms → %s', (ms, text) => {
    expect(clock(ms)).toBe(text);
  });
});
