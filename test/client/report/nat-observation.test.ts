import { describe, expect, it } from 'vitest';
import { canonicalAddress, observeNat } from '../../../client/report/nat-observation.js';
import { natSentences } from '../../../client/report/nat-text.js';
import type { ProbeRecord } from '../../../client/discovery/probe-log.js';

/** A probe record with just the endpoints set: `local` and `seen` as "host:port". */
function probe(conn: number, local: string | null, seen: string | null): ProbeRecord {
  const endpoint = (text: string | null): ProbeRecord['local'] => {
    if (text === null) return null;
    const at = text.lastIndexOf(':');
    return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
  };
  return {
    direction: 'inbound',
    conn,
    openedMs: 0,
    idleFromMs: 1,
    local: endpoint(local),
    seen: endpoint(seen),
    tests: [],
    end: null,
  };
}

describe('what the reflector saw against what the client sent from', () => {
  it('finds no NAT where every probe arrives from the address and port it left', () => {
    const nat = observeNat([
      probe(0, '127.0.0.1:40000', '127.0.0.1:40000'),
      probe(1, '127.0.0.1:40001', '::ffff:127.0.0.1:40001'),
    ]);
    expect(nat).toEqual({
      probesCompared: 2,
      addressRewritten: 0,
      portsPreserved: 2,
      natPresent: false,
      portPreservation: 'all',
      publicAddresses: [{ address: '127.0.0.1', probes: 2 }],
      localAddresses: [{ address: '127.0.0.1', probes: 2 }],
    });
    expect(natSentences(nat!)).toEqual([
      'No NAT between you and the reflector: it saw all 2 connections arrive from the address and port ' +
        'they left (127.0.0.1).',
    ]);
  });

  it('finds a port-preserving NAT behind one public address', () => {
    const nat = observeNat([
      probe(0, '10.0.1.2:40000', '198.51.100.1:40000'),
      probe(1, '10.0.1.2:40001', '198.51.100.1:40001'),
      probe(2, '10.0.1.2:40002', '198.51.100.1:40002'),
    ])!;
    expect([nat.natPresent, nat.addressRewritten, nat.portPreservation]).toEqual([true, 3, 'all']);
    expect(natSentences(nat)).toEqual([
      'A NAT (or a proxy) rewrites your address: your connections left from 10.0.1.2; the reflector saw ' +
        'them from 198.51.100.1.',
      'It keeps source ports: all 3 connections arrived from the port they left.',
      'All 3 connections shared one public address, 198.51.100.1.',
    ]);
  });

  it('tells a NAT that rewrites some ports over a pool of public addresses (carrier-grade)', () => {
    const nat = observeNat([
      probe(0, '100.64.0.9:40000', '198.51.100.1:40000'),
      probe(1, '100.64.0.9:40001', '198.51.100.2:1024'),
      probe(2, '100.64.0.9:40002', '198.51.100.1:1025'),
      probe(3, '100.64.0.9:40003', null),
    ])!;
    expect(nat.probesCompared).toBe(3);
    expect(nat.portsPreserved).toBe(1);
    expect(nat.portPreservation).toBe('some');
    expect(nat.publicAddresses).toEqual([
      { address: '198.51.100.1', probes: 2 },
      { address: '198.51.100.2', probes: 1 },
    ]);
    const words = natSentences(nat).join('\n');
    expect(words).toContain('It kept the source port on 1 of 3 connections and changed the others');
    expect(words).toContain(
      'The connections arrived from 2 public addresses (198.51.100.1 (2), 198.51.100.2 (1))',
    );
  });

  it('tells ports rewritten on an address that is kept', () => {
    const nat = observeNat([probe(0, '192.0.2.5:40000', '192.0.2.5:50000')])!;
    expect([nat.natPresent, nat.addressRewritten, nat.portPreservation]).toEqual([true, 0, 'none']);
    expect(natSentences(nat)[1]).toBe(
      'It rewrites source ports: none of 1 connection arrived from the port it left.',
    );
  });

  it('claims nothing when no probe has both ends known', () => {
    expect(observeNat([probe(0, '10.0.0.1:1', null), probe(1, null, '10.0.0.1:1')])).toBeNull();
  });

  it('writes IPv4-mapped IPv6 addresses as the IPv4 address they are', () => {
    expect(canonicalAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(canonicalAddress('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(canonicalAddress('2001:DB8::1')).toBe('2001:db8::1');
  });
});
