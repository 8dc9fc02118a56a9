import { describe, expect, it } from 'vitest';
import {
  INITIAL_LIVE_STATE,
  RECENT_EVENTS,
  bracketWords,
  doneFraction,
  observe,
  remaining,
} from '../../../../client/cli/live-view/live-state.js';
import type { DiscoveryProgress } from '../../../../client/discovery/discovery-run.js';
import type { Direction, SearchProgress } from '../../../../client/search/types.js';

const S = 1000;
const SETTINGS = { maxMs: 7440 * S, graceMs: 1.5 * S };

function direction(d: Direction, extra: Partial<SearchProgress> = {}): SearchProgress {
  return {
    direction: d,
    survivedMs: null,
    evictedMs: null,
    connections: { idle: 100, probing: 2, opening: 0 },
    evicted: 0,
    finished: false,
    etaMs: null,
    oldestIdleMs: null,
    ...extra,
  };
}

function snapshot(elapsedMs: number, ...directions: SearchProgress[]): DiscoveryProgress {
  return { elapsedMs, nowMs: 50_000 + elapsedMs, directions };
}

describe('remaining', () => {
  it('before any eviction: up to --max minus the frontier idle so far, plus the grace', () => {
    const left = remaining(snapshot(60 * S, direction('inbound', { oldestIdleMs: 59 * S })), SETTINGS);
    expect(left).toEqual({ kind: 'up-to', ms: (7440 - 59 + 1.5) * S });
  });

  it("once evicted: the search's own estimate, the longest over the running directions", () => {
    const now = 50_000 + 30 * S;
    const left = remaining(
      snapshot(
        30 * S,
        direction('inbound', { evictedMs: 25 * S, etaMs: now + 4 * S }),
        direction('outbound', { evictedMs: 26 * S, etaMs: now + 9 * S }),
      ),
      SETTINGS,
    );
    expect(left).toEqual({ kind: 'estimate', ms: 9 * S });
  });

  it('a direction still without an eviction dominates one nearly done', () => {
    const now = 50_000 + 30 * S;
    const left = remaining(
      snapshot(
        30 * S,
        direction('inbound', { evictedMs: 25 * S, etaMs: now + 4 * S }),
        direction('outbound', { oldestIdleMs: 29 * S }),
      ),
      { maxMs: 120 * S, graceMs: 1.5 * S },
    );
    expect(left).toEqual({ kind: 'up-to', ms: (120 - 29 + 1.5) * S });
  });

  it('all directions finished: finishing, the bar full', () => {
    const left = remaining(snapshot(30 * S, direction('inbound', { finished: true })), SETTINGS);
    expect(left).toEqual({ kind: 'finishing' });
    expect(doneFraction(30 * S, left)).toBe(1);
  });

  it('the share done is elapsed over elapsed plus remaining', () => {
    expect(doneFraction(30 * S, { kind: 'estimate', ms: 10 * S })).toBe(0.75);
    expect(doneFraction(0, { kind: 'up-to', ms: 0 })).toBe(0);
  });
});

describe('observe', () => {
  it('turns changes between snapshots into events, keeping the most recent few', () => {
    let state = INITIAL_LIVE_STATE;
    const first = observe(state, snapshot(5 * S, direction('inbound', { survivedMs: 4 * S })));
    expect(first.events.map((e) => [e.kind, e.text])).toEqual([['survived', 'survived 4.00 s idle']]);
    state = first.state;
    const same = observe(state, snapshot(6 * S, direction('inbound', { survivedMs: 4 * S })));
    expect(same.events, 'nothing changed').toEqual([]);
    const evicted = observe(
      same.state,
      snapshot(9 * S, direction('inbound', { survivedMs: 4 * S, evictedMs: 8 * S })),
    );
    expect(evicted.events.map((e) => [e.elapsedMs, e.kind, e.text])).toEqual([
      [9 * S, 'evicted', 'evicted at 8.00 s idle'],
    ]);
    const done = observe(
      evicted.state,
      snapshot(12 * S, direction('inbound', { survivedMs: 7.9 * S, evictedMs: 8 * S, finished: true })),
    );
    expect(done.events.map((e) => e.kind)).toEqual(['survived', 'done']);
    expect(done.state.recent.map((e) => e.kind)).toEqual(['evicted', 'survived', 'done']);
    expect(done.state.recent).toHaveLength(RECENT_EVENTS);
  });

  it('a re-check is a line when it begins, and so is a finished direction reopened for one', () => {
    const searching = observe(
      INITIAL_LIVE_STATE,
      snapshot(
        5 * S,
        direction('inbound', { evictedMs: 3 * S }),
        direction('outbound', { evictedMs: 4 * S }),
      ),
    );
    const outboundDone = observe(
      searching.state,
      snapshot(
        9 * S,
        direction('inbound', { evictedMs: 3 * S, recheck: true, budget: 16 }),
        direction('outbound', { survivedMs: 3.9 * S, evictedMs: 4 * S, finished: true }),
      ),
    );
    expect(outboundDone.events.map((e) => [e.direction, e.kind, e.text])).toEqual([
      ['inbound', 'recheck', "re-checking with 16 connections: the middlebox's table may be full"],
      ['outbound', 'survived', 'survived 3.90 s idle'],
      ['outbound', 'done', 'done'],
    ]);
    const reopened = observe(
      outboundDone.state,
      snapshot(
        10 * S,
        direction('inbound', { evictedMs: 3 * S, recheck: true, budget: 16 }),
        direction('outbound', { evictedMs: 4 * S, recheck: true }),
      ),
    );
    expect(reopened.events.map((e) => [e.direction, e.kind, e.text])).toEqual([
      [
        'outbound',
        'recheck',
        "reopened: re-checking with as few connections as the other direction's re-check",
      ],
    ]);
    const still = observe(
      reopened.state,
      snapshot(
        11 * S,
        direction('inbound', { evictedMs: 3 * S, recheck: true, budget: 16 }),
        direction('outbound', { evictedMs: 4 * S, recheck: true }),
      ),
    );
    expect(still.events, 'a re-check under way is told once').toEqual([]);
    const again = observe(
      still.state,
      snapshot(
        12 * S,
        direction('inbound', { recheck: true, budget: 4 }),
        direction('outbound', { evictedMs: 4 * S, recheck: true }),
      ),
    );
    expect(
      again.events.map((e) => [e.direction, e.kind, e.text]),
      'a second re-check, with 4',
    ).toEqual([['inbound', 'recheck', "re-checking with 4 connections: the middlebox's table may be full"]]);
  });
});

describe('bracketWords', () => {
  it.each([
    [{}, 'searching'],
    [{ oldestIdleMs: 9.5 * S }, 'searching (longest idle now 9.50 s)'],
    [
      { survivedMs: 40 * S, oldestIdleMs: 41.2 * S },
      'no eviction yet: survived 40.0 s idle (longest idle now 41.2 s)',
    ],
    [{ survivedMs: 23.1 * S, evictedMs: 31 * S }, 'dies between 23.1 s and 31.0 s idle, narrowing'],
    [{ evictedMs: 4 * S }, 'dies under 4.00 s idle, narrowing'],
    [{ recheck: true, oldestIdleMs: 9.5 * S }, 're-checking (longest idle now 9.50 s)'],
    [{ recheck: true, survivedMs: 40 * S }, 're-checking: survived 40.0 s idle'],
    [
      { survivedMs: 23.1 * S, evictedMs: 31 * S, recheck: true },
      'dies between 23.1 s and 31.0 s idle, re-checking',
    ],
    [
      { survivedMs: 23.1 * S, evictedMs: 23.8 * S, finished: true },
      'dies between 23.1 s and 23.8 s idle (done)',
    ],
    [{ survivedMs: 120 * S, finished: true }, 'survives 120.0 s idle (done)'],
  ] as const)('%j → %s', (extra, words) => {
    expect(bracketWords(direction('inbound', extra))).toBe(words);
  });
});
