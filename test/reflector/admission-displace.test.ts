/**
 * Admission.admitAtAccept (reflector/admission.ts) on stand-in sockets (only remoteAddress is read):
 * at the total cap the oldest undecided socket makes room for a newcomer, but only when the
 * newcomer would then be let in.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Admission } from '../../reflector/admission.js';
import { resolveAdmissionLimits } from '../../reflector/admission-limits.js';

const peer = (ip: string): Socket => ({ remoteAddress: ip }) as Socket;

/** A cap of 2 with a headroom of 9 (open files 100, reserve 64): 11 sockets at most. */
function admissionOf(maxConnectionsPerAddress: number): Admission {
  return new Admission(
    resolveAdmissionLimits({ openFiles: 100, fdReserve: 64, maxConnections: 2, maxConnectionsPerAddress }),
  );
}

describe('Admission.admitAtAccept', () => {
  it('at the total cap, displaces the oldest undecided socket for a newcomer', () => {
    const admission = admissionOf(100);
    const sockets = Array.from({ length: 11 }, (_, i) => peer(`127.0.0.${2 + (i % 3)}`));
    for (const s of sockets)
      expect(admission.admitAtAccept(s, undefined).verdict, 'under the cap').toBeNull();
    const newcomer = peer('127.0.0.9');
    expect(admission.admitAtAccept(newcomer, sockets[0]), 'the oldest makes room').toEqual({
      verdict: null,
      displaced: sockets[0],
    });
    expect(admission.connections, 'still at the cap and headroom').toBe(11);
    expect(admission.admitAtAccept(peer('127.0.0.9'), undefined), 'nothing undecided: refused').toEqual({
      verdict: expect.objectContaining({ reason: 'too-many-connections' }),
      displaced: null,
    });
  });

  it('displaces nothing for a newcomer whose own address is over its cap', () => {
    // Open files 200, reserve 64: headroom 34, so 2 + 34 = 36 in all; 1 + ADDRESS_HEADROOM (16) = 17
    // per address.
    const admission = new Admission(
      resolveAdmissionLimits({
        openFiles: 200,
        fdReserve: 64,
        maxConnections: 2,
        maxConnectionsPerAddress: 1,
      }),
    );
    const fromTwo = Array.from({ length: 17 }, () => peer('127.0.0.2'));
    const fromThree = Array.from({ length: 19 }, (_, i) => peer(i < 17 ? '127.0.0.3' : '127.0.0.4'));
    for (const s of [...fromThree, ...fromTwo]) admission.admitAtAccept(s, undefined);
    expect(admission.connections, 'at the total cap and headroom').toBe(36);
    expect(admission.admitAtAccept(peer('127.0.0.2'), fromThree[0]), 'no one displaced for nothing').toEqual({
      verdict: expect.objectContaining({ reason: 'too-many-connections-per-address' }),
      displaced: null,
    });
    expect(admission.admitAtAccept(peer('127.0.0.2'), fromTwo[0]), 'its own oldest makes room').toEqual({
      verdict: null,
      displaced: fromTwo[0],
    });
    expect(admission.connections, 'the count unchanged').toBe(36);
  });
});
