/**
 * A real inbound discovery through a counting relay in front of a bare reflector, on loopback:
 *
 *   runDiscovery ──► relay (its options: held hellos, held pushes) ──► Reflector
 *
 * Nothing evicts on this path: the run ends once every test survived --max, and the relay's record
 * shows what crossed it when. The run is bounded (50 s) and aborted by the test's teardown.
 */
import { runDiscovery, type DiscoveryEnd } from '../../client/discovery/discovery-run.js';
import type { DiscoveryReport } from '../../client/report/report.js';
import { startRelay, type CountingRelay, type RelayOptions } from './counting-relay.js';
import { startReflector } from './loopback-stack.js';
import { loopbackDiscovery } from './loopback-discovery.js';
import { within, type Defer } from './teardown.js';

export async function runInboundThroughRelay(
  defer: Defer,
  options: { relay: RelayOptions; maxS: number; connections: number },
): Promise<{ relay: CountingRelay; report: DiscoveryReport; end: DiscoveryEnd }> {
  const { reflectorAddress } = await startReflector(defer);
  const { relay, front } = await startRelay(defer, reflectorAddress, options.relay);
  const stop = new AbortController();
  defer(() => stop.abort());
  const { report, end } = await within(
    runDiscovery({
      ...loopbackDiscovery(front, options.maxS, stop.signal),
      connections: options.connections,
      directions: ['inbound'],
    }),
    50_000,
    'the discovery run',
  );
  return { relay, report, end };
}
