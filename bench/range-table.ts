/**
 * idlescope against the k-ary-rounds peer (leon0625/nat_timeout_detect) over several search
 * ranges, beside the floor: no tool can bracket T before T has passed, and a silent drop only shows
 * once a test has gone unanswered for the grace (plus two RTTs), so T + grace + 2 RTT is the least
 * wall time any strategy can take. The ranges are the default, the ones measured in the lab against
 * the peer (the field notes), and a tight one around T; both strategies at the same resolution.
 */
import { defaultResolutionMs } from '../client/search/search-config.js';
import { SharpTimeout } from './simulation/middlebox-models.js';
import { DEFAULT_SIMULATION } from './simulation/virtual-driver.js';
import { KaryRoundsSearch } from './strategies/kary-rounds.js';
import { MAX_S, MIN_S, guardedSimulate, idlescope, summarize, type BracketSummary } from './scenarios.js';
import { round } from './stats.js';

const S = 1000;

export interface RangeRow {
  strategy: 'idlescope' | 'k-ary rounds';
  timeoutS: number;
  minS: number;
  maxS: number;
  elapsedS: number;
  /** elapsed / T. */
  ratio: number;
  /** T + grace + 2 RTT: the least any strategy can take on a silent drop. */
  floorS: number;
  /** elapsed - floor. */
  overFloorS: number;
  bracket: BracketSummary;
  connectionsOpened: number;
  probesSent: number;
}

/** The cases: T and range, seconds. */
export const RANGE_CASES: readonly { timeoutS: number; minS: number; maxS: number }[] = [
  { timeoutS: 5, minS: MIN_S, maxS: MAX_S },
  { timeoutS: 5, minS: 2, maxS: 15 },
  { timeoutS: 13, minS: MIN_S, maxS: MAX_S },
  { timeoutS: 13, minS: 1, maxS: 40 },
  { timeoutS: 37, minS: MIN_S, maxS: MAX_S },
  { timeoutS: 37, minS: 10, maxS: 300 },
  { timeoutS: 37, minS: 10, maxS: 1800 },
  { timeoutS: 90, minS: MIN_S, maxS: MAX_S },
  { timeoutS: 90, minS: 30, maxS: 270 },
  { timeoutS: 350, minS: MIN_S, maxS: MAX_S },
  { timeoutS: 350, minS: 120, maxS: 1050 },
];
export const QUICK_RANGE_CASES = RANGE_CASES.filter((c) => c.timeoutS === 13);

/** Both strategies on each case, inbound, SharpTimeout drop, 256 connections for idlescope. */
export function rangeTable(cases: readonly { timeoutS: number; minS: number; maxS: number }[]): RangeRow[] {
  const sim = DEFAULT_SIMULATION;
  return cases.flatMap(({ timeoutS, minS, maxS }) => {
    const T = timeoutS * S;
    const floorMs = T + sim.graceMs + 2 * sim.rttMs;
    const engines = {
      idlescope: idlescope('inbound', maxS * S, 256, defaultResolutionMs, minS * S),
      'k-ary rounds': new KaryRoundsSearch({
        direction: 'inbound',
        minMs: minS * S,
        maxMs: maxS * S,
        resolutionMs: defaultResolutionMs,
      }),
    } as const;
    return (Object.keys(engines) as (keyof typeof engines)[]).map((strategy): RangeRow => {
      const engine = engines[strategy];
      const stats = guardedSimulate([engine], new SharpTimeout(T, 'drop'));
      return {
        strategy,
        timeoutS,
        minS,
        maxS,
        elapsedS: round(stats.elapsedMs / S),
        ratio: round(stats.elapsedMs / T, 4),
        floorS: round(floorMs / S),
        overFloorS: round((stats.elapsedMs - floorMs) / S),
        bracket: summarize(engine.result(), [T, T]),
        connectionsOpened: stats.connectionsOpened,
        probesSent: stats.probesSent,
      };
    });
  });
}
