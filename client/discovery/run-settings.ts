/**
 * The settings a discovery ran with, as its report keeps them: so a saved run says what it was
 * asked to do (range, resolution, connections, grace), beside what it found.
 */
import type { Direction } from '../search/types.js';
import type { DiscoveryOptions } from './discovery-run.js';

export interface RunSettings {
  minS: number;
  maxS: number;
  /** null: the default, max(1 s, 1% of the timeout). */
  resolutionS: number | null;
  connections: number;
  directions: Direction[];
  /** null: the default grace. */
  graceS: number | null;
  /** Every direction followed to --max, even once the answer was settled. */
  full: boolean;
  /** The recommendation was tried on the path beside the probes. */
  verify: boolean;
}

export function runSettingsOf(options: DiscoveryOptions): RunSettings {
  return {
    minS: options.minS,
    maxS: options.maxS,
    resolutionS: options.resolutionS,
    connections: options.connections,
    directions: [...options.directions],
    graceS: options.graceS,
    full: options.full === true,
    verify: options.verification !== undefined,
  };
}
