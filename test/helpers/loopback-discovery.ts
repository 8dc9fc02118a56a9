/**
 * The options of a short real discovery on loopback, as the end-to-end suites run it: both
 * directions through `front` (an emulator, or a relay in front of one), 16 connections, --min 1,
 * the default grace and resolution, and a --max the caller chooses (3 T reaches past any eviction).
 */
import type { DiscoveryOptions } from '../../client/discovery/discovery-run.js';
import type { HostPort } from '../../protocol/address.js';

export const LOOPBACK_CONNECTIONS = 16;

export function loopbackDiscovery(front: HostPort, maxS: number, signal?: AbortSignal): DiscoveryOptions {
  return {
    reflector: front,
    dial: front,
    minS: 1,
    maxS,
    resolutionS: null,
    connections: LOOPBACK_CONNECTIONS,
    directions: ['inbound', 'outbound'],
    graceS: null,
    ...(signal === undefined ? {} : { signal }),
  };
}
