/**
 * The life of every probe connection of a run, as typed records: opened, idle from, each test
 * (idle from, tested at, survived or how it was evicted), how it ended, and where it came from as
 * the client's socket and as the reflector saw it. The report's timeline and NAT findings read it.
 *
 * It only records: ProbeSlots tells it what happened, at the moment it tells the search, so its
 * times are the ones the search judged (performance.now(), kept relative to the run's start). It
 * never touches a socket. Reading a socket's local address (for `local`) is a getsockname() call,
 * which sends nothing: safe on an idle probe.
 */
import type { SeenEndpoint } from '../../protocol/wire.js';
import type { ConnId, Direction, EvictionKind } from '../search/types.js';

/** One test of a probe connection. Times in ms since the run started. */
export interface ProbeTestRecord {
  /** When the connection's idle period began (its hello, or the answer to its previous test). */
  idleFromMs: number;
  /** When the test packet is judged to have crossed a middlebox near the client. */
  testedMs: number;
  /**
   * survived; evicted (with `how`); or unanswered: no answer, but the push may never have been
   * sent (the control channel dropped meanwhile), so the search did not count it.
   */
  outcome: 'survived' | 'evicted' | 'unanswered';
  how: EvictionKind | null;
}

/**
 * How a probe connection ended: evicted by a test, died while idle (a FIN or RST nobody asked
 * for), closed by the search (of no more use), never attached, or still open when the run ended.
 */
export type ProbeEndKind = 'evicted' | 'died-idle' | 'closed' | 'open-failed' | 'run-ended';

export interface ProbeRecord {
  direction: Direction;
  conn: ConnId;
  /** When the connection was dialled, ms since the run started. */
  openedMs: number;
  /** When the reflector attached it: its first idle period starts here (null: never attached). */
  idleFromMs: number | null;
  /** The client socket's own address and port (null: it never connected). */
  local: SeenEndpoint | null;
  /** The address and port the reflector saw it come from (null: not reported). */
  seen: SeenEndpoint | null;
  tests: ProbeTestRecord[];
  /** null until it ended. */
  end: { kind: ProbeEndKind; atMs: number; how: EvictionKind | null } | null;
}

/** The records of one run, keyed by probe id. */
export class ProbeLog {
  private readonly records = new Map<number, ProbeRecord>();
  /** Each open record's current idle start, absolute (performance.now()). */
  private readonly idleFrom = new Map<number, number>();

  /** @param originMs the run's start on performance.now(): every recorded time is relative to it. */
  constructor(private readonly originMs: number) {}

  opened(probe: number, direction: Direction, conn: ConnId, atMs: number): void {
    this.records.set(probe, {
      direction,
      conn,
      openedMs: this.relative(atMs),
      idleFromMs: null,
      local: null,
      seen: null,
      tests: [],
      end: null,
    });
  }

  connected(probe: number, local: SeenEndpoint | null): void {
    const record = this.records.get(probe);
    if (record !== undefined) record.local = local;
  }

  seen(probe: number, seen: SeenEndpoint): void {
    const record = this.records.get(probe);
    if (record !== undefined) record.seen = seen;
  }

  attached(probe: number, idleSinceMs: number): void {
    const record = this.records.get(probe);
    if (record === undefined) return;
    record.idleFromMs = this.relative(idleSinceMs);
    this.idleFrom.set(probe, idleSinceMs);
  }

  /** A test's answer: survived (idle again from `atMs`), evicted, or unanswered and not counted. */
  tested(
    probe: number,
    testedAtMs: number,
    atMs: number,
    outcome: ProbeTestRecord['outcome'],
    how: EvictionKind | null,
  ): void {
    const record = this.records.get(probe);
    const idleFrom = this.idleFrom.get(probe);
    if (record === undefined || idleFrom === undefined) return;
    record.tests.push({
      idleFromMs: this.relative(idleFrom),
      testedMs: this.relative(testedAtMs),
      outcome,
      how,
    });
    this.idleFrom.set(probe, atMs);
  }

  /** The connection ended; the first end recorded stands. */
  ended(probe: number, kind: ProbeEndKind, atMs: number, how: EvictionKind | null = null): void {
    const record = this.records.get(probe);
    if (record === undefined || record.end !== null) return;
    record.end = { kind, atMs: this.relative(atMs), how };
    this.idleFrom.delete(probe);
  }

  /** Every record, in the order the connections were opened. */
  all(): ProbeRecord[] {
    return [...this.records.values()];
  }

  private relative(atMs: number): number {
    return atMs - this.originMs;
  }
}
