import { describe, expect, it } from 'vitest';
import { findingText, resultNotes } from '../../../client/report/findings-text.js';
import type { DirectionResult, Finding } from '../../../client/search/types.js';

const S = 1000;
const EARLIER = { budget: 128, survivedMs: 300 * S, evictedMs: 310.04 * S, firstTestsUnansweredShare: 0.304 };
const NOW = { budget: 16, survivedMs: 349 * S, evictedMs: null, unansweredShare: 0.0625, tests: 32 };

describe('findingText', () => {
  it('words why a search stopped early', () => {
    expect(findingText({ kind: 'stopped-early', reason: { kind: 'unsettled', afterMs: 29_600 } })).toBe(
      'stopped early: gave up after 30 s: the observations do not settle',
    );
    expect(
      findingText({ kind: 'stopped-early', reason: { kind: 'aborted', message: 'reflector lost' } }),
    ).toBe('stopped early: reflector lost');
  });

  it('words counts, rounding a mistimed survival up to the ms', () => {
    expect(findingText({ kind: 'open-failures', count: 3 })).toBe('3 probe connection(s) failed to open');
    expect(findingText({ kind: 'probe-loss', count: 2 })).toBe(
      '2 test(s) went unanswered at idles that other connections ' +
        'survived: probe loss, set aside and re-tested',
    );
    expect(findingText({ kind: 'mistimed', count: 1, pastMs: 99.2 })).toBe(
      '1 test(s) survived up to 100 ms past the idle at which the middlebox reset or closed another ' +
        'connection: ' +
        "this machine's timing, set aside; the bounds are good to about that",
    );
  });

  it('words a sweep seen to move, and one known only by its zone', () => {
    const seen: Finding = {
      kind: 'sweep',
      granularityMs: 31_240,
      atMostMs: 40_000,
      movedMs: 28_000,
      gapMs: 3_240,
      fromMs: 298_960,
    };
    expect(findingText(seen)).toBe(
      'evictions are not sharp: at each instant the boundary is sharp, but it moves (sweep granularity ' +
        'about 31.2 s, at most 40 s: the boundary was seen to move 28 s between batches up to 3.2 s ' +
        'apart), as with a periodic sweep; the bracket from 299 s covers the whole zone',
    );
    const zoneOnly: Finding = {
      kind: 'sweep',
      granularityMs: 8000,
      atMostMs: null,
      movedMs: null,
      gapMs: null,
      fromMs: null,
    };
    expect(findingText(zoneOnly)).toBe(
      'evictions are not sharp: at each instant the boundary is sharp, but it moves (sweep granularity ' +
        'about 8 s), as with a periodic sweep; the bracket covers the whole zone',
    );
  });

  it("words a re-check shared with the other direction as the other direction's table, not loss", () => {
    expect(findingText({ kind: 'recheck-shared', earlier: EARLIER, now: NOW })).toBe(
      're-checked with 16 connections together with the other direction, whose tests suggested a full ' +
        'connection table, which the directions share (300 s to 310 s with 30% of first tests evicted ' +
        'early at 128 connections, vs 349 s to — with 6% of 32 tests at 16); the result at 16 connections ' +
        'is reported',
    );
  });

  it('words the re-checks, one earlier pass or a chain', () => {
    expect(findingText({ kind: 'recheck-loss', earlier: EARLIER, now: NOW })).toBe(
      're-checked with 16 connections because tests at 128 went unanswered too often (first tests more ' +
        'than later ones, or a quarter of all): the same happens with few connections (300 s to 310 s with ' +
        '30% of first tests evicted early at 128 connections, vs 349 s to — with 6% of 32 tests at 16), so ' +
        'it is loss on the path, not a full table',
    );
    expect(
      findingText({
        kind: 'table-depends',
        earlier: [EARLIER, { ...EARLIER, budget: 16 }],
        now: { ...NOW, budget: 4 },
      }),
    ).toBe(
      'evictions depend on the number of open connections: results at 128, 16 and 4 connections differ ' +
        '(300 s to 310 s with 30% of first tests evicted early at 128 connections; 300 s to 310 s with 30% ' +
        'of first tests evicted early at 16 connections; vs 349 s to — with 6% of 32 tests at 4); a full ' +
        'connection table evicts the oldest idle mappings to make room, so keep the number of connections ' +
        'through this middlebox low, and the result at 4 connections is reported',
    );
  });
});

describe('resultNotes', () => {
  it("gives the findings first, then the driver's own notes", () => {
    const result = {
      findings: [{ kind: 'open-failures', count: 1 }],
      notes: [
        'the control channel dropped 1 time(s) and the session was resumed; idle probes kept their clocks',
      ],
    } as Pick<DirectionResult, 'findings' | 'notes'> as DirectionResult;
    expect(resultNotes(result)).toEqual([
      '1 probe connection(s) failed to open',
      'the control channel dropped 1 time(s) and the session was resumed; idle probes kept their clocks',
    ]);
  });
});
