/**
 * Entry run inside a lab's client namespace by bench:lab (run-lab-case.ts): the k-ary-rounds
 * baseline against the reflector, one JSON line on stdout (KaryChildReport). The token comes from
 * IDLESCOPE_TOKEN, as for discover. Exit 0 when the rounds finished, 1 when the reflector was lost
 * or could not be reached (the message on stderr).
 *
 *   node --import tsx bench/lab/kary-child.ts --reflector HOST:PORT --min S --max S
 */
import { parseArgs } from 'node:util';
import { parseHostPort } from '../../protocol/address.js';
import { runKaryOverSockets } from './kary-over-sockets.js';

/** What the child prints: seconds, as discover's report has them. */
export interface KaryChildReport {
  end: 'finished' | 'lost';
  reason: string | null;
  elapsed_s: number;
  survived_s: number | null;
  evicted_s: number | null;
  eviction: string | null;
  notes: string[];
  probes_sent: number;
  connections_opened: number;
}

const { values } = parseArgs({
  options: {
    reflector: { type: 'string' },
    min: { type: 'string' },
    max: { type: 'string' },
  },
  strict: true,
});
const minS = Number(values.min);
const maxS = Number(values.max);
if (values.reflector === undefined || !(minS > 0) || !(maxS >= minS)) {
  console.error('kary-child: need --reflector HOST:PORT --min S --max S with 0 < min <= max');
  process.exit(2);
}

try {
  const run = await runKaryOverSockets({
    reflector: parseHostPort(values.reflector, 7000),
    token: process.env.IDLESCOPE_TOKEN,
    minS,
    maxS,
  });
  const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms) / 1000);
  const report: KaryChildReport = {
    end: run.end.kind,
    reason: run.end.kind === 'lost' ? run.end.reason : null,
    elapsed_s: seconds(run.elapsedMs) ?? 0,
    survived_s: seconds(run.result.survivedMs),
    evicted_s: seconds(run.result.evictedMs),
    eviction: run.result.eviction,
    notes: run.result.notes,
    probes_sent: run.result.probesSent,
    connections_opened: run.result.connectionsOpened,
  };
  console.log(JSON.stringify(report));
  process.exitCode = run.end.kind === 'finished' ? 0 : 1;
} catch (error) {
  console.error(`kary-child: ${(error as Error).message}`);
  process.exitCode = 1;
}
