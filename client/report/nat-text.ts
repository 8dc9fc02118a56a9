/**
 * The NAT observation (nat-observation.ts) in words: whether there is a NAT, whether it keeps
 * source ports, and whether every connection shared one public address.
 */
import type { AddressCount, NatObservation } from './nat-observation.js';

function connections(count: number): string {
  return `${count} connection${count === 1 ? '' : 's'}`;
}

function addressList(addresses: readonly AddressCount[], limit = 4): string {
  const shown = addresses.slice(0, limit).map((a) => `${a.address} (${a.probes})`);
  const more = addresses.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function portSentence(nat: NatObservation): string {
  const n = nat.probesCompared;
  switch (nat.portPreservation) {
    case 'all':
      return `It keeps source ports: all ${connections(n)} arrived from the port they left.`;
    case 'some':
      return (
        `It kept the source port on ${nat.portsPreserved} of ${connections(n)} and changed the ` +
        `others (a NAT that keeps ports while it can).`
      );
    case 'none':
      return `It rewrites source ports: none of ${connections(n)} arrived from the port it left.`;
    default: {
      const never: never = nat.portPreservation;
      throw new Error(`unknown port preservation ${String(never)}`);
    }
  }
}

/** The observation as sentences, one per line, for the text report, the JSON's notes and the HTML. */
export function natSentences(nat: NatObservation): string[] {
  const n = nat.probesCompared;
  const locals = nat.localAddresses.map((a) => a.address).join(', ');
  const publics = nat.publicAddresses;
  if (!nat.natPresent) {
    return [
      `No NAT between you and the reflector: it saw all ${connections(n)} arrive from the address ` +
        `and port they left (${locals}).`,
    ];
  }
  const lines: string[] = [];
  if (nat.addressRewritten > 0) {
    const seen = publics.length === 1 ? (publics[0]?.address ?? '') : addressList(publics);
    lines.push(
      `A NAT (or a proxy) rewrites your address: your connections left from ${locals}; the reflector ` +
        `saw them from ${seen}.`,
    );
  } else {
    lines.push(
      `Your address arrives unchanged (${locals}), but something on the path (a NAT, a firewall or ` +
        `a proxy) changes ports.`,
    );
  }
  lines.push(portSentence(nat));
  if (publics.length === 1) {
    lines.push(`All ${connections(n)} shared one public address, ${publics[0]?.address ?? ''}.`);
  } else {
    lines.push(
      `The connections arrived from ${publics.length} public addresses (${addressList(publics)}): ` +
        `a NAT with an address pool, as carrier-grade NATs often are, gives different connections ` +
        `different addresses, so a peer that binds a session to your address may see it change.`,
    );
  }
  return lines;
}
