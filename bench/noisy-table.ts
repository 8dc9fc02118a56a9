/**
 * The bench's noisy-middlebox table: idlescope at its defaults against a periodic sweep, a lossy
 * path, a full connection table and a directional timeout, one seeded run per behaviour (the same
 * run every time). robustness.ts runs the same behaviours across seeds.
 */
import type { Direction } from '../client/search/types.js';
import {
  DirectionalTimeout,
  LossyPath,
  PeriodicSweep,
  SharpTimeout,
  TableLimit,
  type MiddleboxModel,
} from './simulation/middlebox-models.js';
import { MAX_S, guardedSimulate, idlescope, summarize, type BracketSummary } from './scenarios.js';
import { round } from './stats.js';

const S = 1000;

export interface NoisyRow {
  case: string;
  /** The run was cut at NOISY_LIMIT_MS of virtual time, or stopped as stuck. */
  hitLimit: boolean;
  model: string;
  /** The truth in words ("T = 350 s", "evicted between 300 s and 310 s"). */
  truth: string;
  connections: number;
  elapsedS: number;
  directions: (BracketSummary & { truthS: [number, number] })[];
  containsTruth: boolean;
  probesSent: number;
  connectionsOpened: number;
  peakConcurrent: number;
}

interface NoisyCase {
  name: string;
  build: () => MiddleboxModel;
  truth: string;
  /** Per direction searched: the interval where the truth lies. */
  directions: { direction: Direction; truthMs: [number, number] }[];
  connections: number;
}

const T350 = 350 * S;
/** Every noisy case has T ≤ 350 s: a search still running after 6 virtual hours is stuck. */
export const NOISY_LIMIT_MS = 6 * 3600 * S;

function noisyCases(): NoisyCase[] {
  const inbound = (a: number, b = a): NoisyCase['directions'] => [
    { direction: 'inbound', truthMs: [a * S, b * S] },
  ];
  return [
    {
      name: 'periodic sweep T=300 s, G=10 s',
      build: () => new PeriodicSweep(300 * S, 10 * S),
      truth: 'evicted between 300 s and 310 s',
      directions: inbound(300, 310),
      connections: 256,
    },
    {
      name: 'lossy path 1% on T=350 s',
      build: () => new LossyPath(new SharpTimeout(T350, 'drop'), 0.01, 1),
      truth: 'T = 350 s',
      directions: inbound(350),
      connections: 256,
    },
    {
      name: 'lossy path 5% on T=350 s',
      build: () => new LossyPath(new SharpTimeout(T350, 'drop'), 0.05, 1),
      truth: 'T = 350 s',
      directions: inbound(350),
      connections: 256,
    },
    {
      name: 'table limit 64 on T=350 s',
      build: () => new TableLimit(new SharpTimeout(T350, 'drop'), 64),
      truth: 'T = 350 s (table of 64)',
      directions: inbound(350),
      connections: 256,
    },
    {
      name: 'table limit 200 on T=350 s',
      build: () => new TableLimit(new SharpTimeout(T350, 'drop'), 200),
      truth: 'T = 350 s (table of 200)',
      directions: inbound(350),
      connections: 256,
    },
    {
      name: 'directional in=120 s out=300 s',
      build: () => new DirectionalTimeout(120 * S, 300 * S),
      truth: 'inbound 120 s, outbound 300 s',
      directions: [
        { direction: 'inbound', truthMs: [120 * S, 120 * S] },
        { direction: 'outbound', truthMs: [300 * S, 300 * S] },
      ],
      connections: 256,
    },
  ];
}

/** idlescope at its defaults on the noisy models; inbound only except where the case is about direction. */
export function noisyTable(): NoisyRow[] {
  return noisyCases().map((c) => {
    const perDirection = Math.max(2, Math.floor(c.connections / c.directions.length));
    const engines = c.directions.map((d) => idlescope(d.direction, MAX_S * S, perDirection));
    const model = c.build();
    const stats = guardedSimulate(engines, model, NOISY_LIMIT_MS);
    const directions = engines.map((e, i) => {
      const truthMs = (c.directions[i] as NoisyCase['directions'][number]).truthMs;
      return {
        ...summarize(e.result(), truthMs),
        truthS: [truthMs[0] / S, truthMs[1] / S] as [number, number],
      };
    });
    return {
      case: c.name,
      hitLimit: stats.hitLimit,
      model: model.name,
      truth: c.truth,
      connections: c.connections,
      elapsedS: round(stats.elapsedMs / S),
      directions,
      containsTruth: directions.every((d) => d.containsTruth),
      probesSent: stats.probesSent,
      connectionsOpened: stats.connectionsOpened,
      peakConcurrent: stats.peakConcurrent,
    };
  });
}
