/**
 * What the reflector saw of this client, against what the client's sockets were: per probe
 * connection its local address and port, and the public ones the reflector saw it come from.
 * From them: is there a NAT at all (any probe seen from another address or port than it left),
 * does it keep source ports, and do all connections share one public address (a carrier-grade NAT
 * with a pool may give different connections different addresses). Pure: data in, data out; the
 * words are nat-text.ts's.
 *
 * A terminating proxy on the path shows here as a NAT: the reflector sees the proxy's address.
 */
import type { SeenEndpoint } from '../../protocol/wire.js';
import type { ProbeRecord } from '../discovery/probe-log.js';

/** How many of the compared probes kept their source port through the path. */
export type PortPreservation = 'all' | 'some' | 'none';

export interface AddressCount {
  address: string;
  probes: number;
}

export interface NatObservation {
  /** Probes whose local and public endpoints are both known. */
  probesCompared: number;
  /** Probes the reflector saw from another address than their own. */
  addressRewritten: number;
  /** Probes the reflector saw from the very port they left from. */
  portsPreserved: number;
  /** true when any probe was seen from another address or port than it left from. */
  natPresent: boolean;
  portPreservation: PortPreservation;
  /** Distinct addresses, most probes first. */
  publicAddresses: AddressCount[];
  localAddresses: AddressCount[];
}

/**
 * A dual-stack listener reports an IPv4 peer as `::ffff:192.0.2.1`: the same address as the
 * client's `192.0.2.1`, written another way.
 */
export function canonicalAddress(host: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(host);
  return mapped === null ? host.toLowerCase() : (mapped[1] as string);
}

function counted(endpoints: SeenEndpoint[]): AddressCount[] {
  const counts = new Map<string, number>();
  for (const { host } of endpoints) {
    const address = canonicalAddress(host);
    counts.set(address, (counts.get(address) ?? 0) + 1);
  }
  return [...counts]
    .map(([address, probes]) => ({ address, probes }))
    .sort((a, b) => b.probes - a.probes || a.address.localeCompare(b.address));
}

/** The comparison over every probe with both ends known; null when there is none. */
export function observeNat(probes: readonly ProbeRecord[]): NatObservation | null {
  const pairs = probes.flatMap((p) =>
    p.local === null || p.seen === null ? [] : [{ local: p.local, seen: p.seen }],
  );
  if (pairs.length === 0) return null;
  let addressRewritten = 0;
  let portsPreserved = 0;
  for (const { local, seen } of pairs) {
    if (canonicalAddress(local.host) !== canonicalAddress(seen.host)) addressRewritten++;
    if (local.port === seen.port) portsPreserved++;
  }
  const portPreservation: PortPreservation =
    portsPreserved === pairs.length ? 'all' : portsPreserved === 0 ? 'none' : 'some';
  return {
    probesCompared: pairs.length,
    addressRewritten,
    portsPreserved,
    natPresent: addressRewritten > 0 || portsPreserved < pairs.length,
    portPreservation,
    publicAddresses: counted(pairs.map((p) => p.seen)),
    localAddresses: counted(pairs.map((p) => p.local)),
  };
}
