/**
 * The run's own record in the JSON report (schema 1, added keys): when it started, the settings
 * it ran with, every probe connection's life, and what the reflector saw of the client's
 * addresses. Seconds with millisecond precision, as everywhere in the report.
 */
import type { ProbeEndKind, ProbeRecord, ProbeTestRecord } from '../discovery/probe-log.js';
import type { RunSettings } from '../discovery/run-settings.js';
import type { SeenEndpoint } from '../../protocol/wire.js';
import type { Direction, EvictionKind } from '../search/types.js';
import { jsonSeconds } from './format.js';
import { canonicalAddress, observeNat, type AddressCount, type PortPreservation } from './nat-observation.js';
import { natSentences } from './nat-text.js';

export interface JsonEndpoint {
  address: string;
  port: number;
}

export interface JsonProbeTest {
  idle_from_s: number;
  tested_s: number;
  /** tested_s - idle_from_s: the idle this test measured. */
  idle_s: number;
  outcome: ProbeTestRecord['outcome'];
  how: EvictionKind | null;
}

/** One probe connection; times in seconds since the run started. */
export interface JsonProbe {
  direction: Direction;
  conn: number;
  opened_s: number;
  /** When it was attached and its first idle began; null: never attached. */
  idle_from_s: number | null;
  local: JsonEndpoint | null;
  /** Where the reflector saw it come from (after any NAT); null: not reported. */
  seen: JsonEndpoint | null;
  tests: JsonProbeTest[];
  end: { kind: ProbeEndKind; at_s: number; how: EvictionKind | null } | null;
}

export interface JsonSettings {
  min_s: number;
  max_s: number;
  resolution_s: number | null;
  connections: number;
  directions: Direction[];
  grace_s: number | null;
  full: boolean;
  verify: boolean;
}

/** What the reflector saw of the client's connections; null in the report when no probe was compared. */
export interface JsonNat {
  probes_compared: number;
  nat_present: boolean;
  address_rewritten: number;
  ports_preserved: number;
  port_preservation: PortPreservation;
  one_public_address: boolean;
  public_addresses: AddressCount[];
  local_addresses: AddressCount[];
  /** The same in words. */
  notes: string[];
}

const seconds = (ms: number): number => jsonSeconds(ms);

function endpoint(e: SeenEndpoint | null): JsonEndpoint | null {
  return e === null ? null : { address: canonicalAddress(e.host), port: e.port };
}

export function toJsonProbes(probes: readonly ProbeRecord[]): JsonProbe[] {
  return probes.map((p) => ({
    direction: p.direction,
    conn: p.conn,
    opened_s: seconds(p.openedMs),
    idle_from_s: p.idleFromMs === null ? null : seconds(p.idleFromMs),
    local: endpoint(p.local),
    seen: endpoint(p.seen),
    tests: p.tests.map((t) => ({
      idle_from_s: seconds(t.idleFromMs),
      tested_s: seconds(t.testedMs),
      idle_s: seconds(t.testedMs - t.idleFromMs),
      outcome: t.outcome,
      how: t.how,
    })),
    end: p.end === null ? null : { kind: p.end.kind, at_s: seconds(p.end.atMs), how: p.end.how },
  }));
}

export function toJsonSettings(settings: RunSettings | undefined): JsonSettings | null {
  if (settings === undefined) return null;
  return {
    min_s: settings.minS,
    max_s: settings.maxS,
    resolution_s: settings.resolutionS,
    connections: settings.connections,
    directions: [...settings.directions],
    grace_s: settings.graceS,
    full: settings.full,
    verify: settings.verify,
  };
}

export function toJsonNat(probes: readonly ProbeRecord[]): JsonNat | null {
  const nat = observeNat(probes);
  if (nat === null) return null;
  return {
    probes_compared: nat.probesCompared,
    nat_present: nat.natPresent,
    address_rewritten: nat.addressRewritten,
    ports_preserved: nat.portsPreserved,
    port_preservation: nat.portPreservation,
    one_public_address: nat.publicAddresses.length === 1,
    public_addresses: nat.publicAddresses,
    local_addresses: nat.localAddresses,
    notes: natSentences(nat),
  };
}
