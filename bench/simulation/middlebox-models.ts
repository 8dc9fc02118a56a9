/**
 * Middleboxes as pure models on a virtual clock, for tests and the bench. Each model answers one
 * question: does a packet sent at time t on connection `key`, from one side, get through, and if
 * not, how does the failure show? Times are milliseconds; nothing here reads a real clock.
 */
import type { MiddleboxMode } from '../../client/demo/middlebox-mode.js';

/** `reset`: someone sees an RST (the client for its own packet, the reflector for a push). */
export type PacketFate = 'pass' | 'drop' | 'reset';
export type Side = 'client' | 'server';

export interface MiddleboxModel {
  readonly name: string;
  /** The connection's first packet passes at `t`, creating its mapping. */
  connect(key: number, t: number): void;
  /** A packet from `from` reaches the middlebox at `t`. A passing packet refreshes the mapping. */
  packet(key: number, t: number, from: Side): PacketFate;
  /** When a terminating middlebox will close this connection by itself, if untouched (else null). */
  closeAt(key: number): number | null;
  disconnect(key: number): void;
  /**
   * How much later than one RTT the answer to a test that got through at `t` reaches the client
   * (a test byte lost once and resent after TCP's retransmission timeout); absent: never late.
   */
  answerDelayMs?(key: number, t: number): number;
}

interface Mapping {
  lastMs: number;
  evicted: boolean;
}

/** Shared bookkeeping: one mapping per connection, refreshed by every passing packet. */
abstract class MappingTable implements MiddleboxModel {
  abstract readonly name: string;
  protected readonly mappings = new Map<number, Mapping>();

  connect(key: number, t: number): void {
    this.mappings.set(key, { lastMs: t, evicted: false });
  }

  disconnect(key: number): void {
    this.mappings.delete(key);
  }

  closeAt(_key: number): number | null {
    return null;
  }

  packet(key: number, t: number, from: Side): PacketFate {
    const m = this.mappings.get(key);
    if (m === undefined) return 'drop';
    if (!m.evicted && this.expired(m, t, from)) m.evicted = true;
    if (!m.evicted) {
      m.lastMs = t;
      return 'pass';
    }
    return this.afterEviction(m, t, from);
  }

  /** Whether the mapping is gone by `t` (it was last refreshed at `m.lastMs`). */
  protected abstract expired(m: Mapping, t: number, from: Side): boolean;

  protected afterEviction(_m: Mapping, _t: number, _from: Side): PacketFate {
    return 'drop';
  }
}

/** A NAT, firewall or proxy with one sharp idle timeout. */
export class SharpTimeout extends MappingTable {
  readonly name: string;
  constructor(
    readonly timeoutMs: number,
    readonly mode: MiddleboxMode = 'drop',
  ) {
    super();
    this.name = `${mode} T=${timeoutMs / 1000}s`;
  }

  protected expired(m: Mapping, t: number): boolean {
    return t - m.lastMs > this.timeoutMs;
  }

  protected override afterEviction(m: Mapping, t: number, from: Side): PacketFate {
    switch (this.mode) {
      case 'drop':
      case 'close':
        return 'drop';
      case 'reset':
        return from === 'client' ? 'reset' : 'drop';
      case 'loose':
        // Linux nf_conntrack_tcp_loose=1: an outbound packet re-creates the mapping; an inbound one
        // is answered with RST to the server by the NAT host itself.
        if (from === 'client') {
          m.evicted = false;
          m.lastMs = t;
          return 'pass';
        }
        return 'reset';
    }
  }

  override closeAt(key: number): number | null {
    if (this.mode !== 'close') return null;
    const m = this.mappings.get(key);
    return m === undefined ? null : m.lastMs + this.timeoutMs;
  }
}

/**
 * Eviction by a periodic sweep: a garbage collector runs every `periodMs` and removes mappings
 * idle longer than `timeoutMs`, so a mapping dies somewhere between T and T + G.
 */
export class PeriodicSweep extends MappingTable {
  readonly name: string;
  constructor(
    readonly timeoutMs: number,
    readonly periodMs: number,
    readonly phaseMs = 0,
  ) {
    super();
    this.name = `sweep T=${timeoutMs / 1000}s G=${periodMs / 1000}s`;
  }

  protected expired(m: Mapping, t: number): boolean {
    const expiresAt = m.lastMs + this.timeoutMs;
    if (t <= expiresAt) return false;
    // The first sweep strictly after the mapping became stale.
    const firstSweep =
      this.phaseMs + (Math.floor((expiresAt - this.phaseMs) / this.periodMs) + 1) * this.periodMs;
    return t >= firstSweep;
  }
}

/** Timeout that differs by direction: inbound packets need a fresher mapping than outbound ones. */
export class DirectionalTimeout extends MappingTable {
  readonly name: string;
  constructor(
    readonly inboundTimeoutMs: number,
    readonly outboundTimeoutMs: number,
  ) {
    super();
    this.name = `directional in=${inboundTimeoutMs / 1000}s out=${outboundTimeoutMs / 1000}s`;
  }

  protected expired(m: Mapping, t: number, from: Side): boolean {
    return t - m.lastMs > (from === 'server' ? this.inboundTimeoutMs : this.outboundTimeoutMs);
  }
}

/** Loses a fraction of probe packets (before the middlebox), on top of another model. */
export class LossyPath implements MiddleboxModel {
  readonly name: string;
  private readonly random: () => number;
  constructor(
    private readonly inner: MiddleboxModel,
    readonly lossRate: number,
    seed = 1,
  ) {
    this.name = `${inner.name} loss=${lossRate * 100}%`;
    this.random = seededRandom(seed);
  }
  connect(key: number, t: number): void {
    this.inner.connect(key, t);
  }
  packet(key: number, t: number, from: Side): PacketFate {
    return this.random() < this.lossRate ? 'drop' : this.inner.packet(key, t, from);
  }
  closeAt(key: number): number | null {
    return this.inner.closeAt(key);
  }
  disconnect(key: number): void {
    this.inner.disconnect(key);
  }
}

/**
 * Answers the first `count` tests at an idle of `fromIdleMs` or more that get through `delayMs`
 * late, as if each test byte had been lost once and resent after the retransmission timeout: the
 * answer the search may already have planned as a provisional eviction (client/search/provisional.ts).
 */
export class LateAnswers implements MiddleboxModel {
  readonly name: string;
  private readonly lastMs = new Map<number, number>();
  private late = 0;
  constructor(
    private readonly inner: MiddleboxModel,
    readonly fromIdleMs: number,
    readonly delayMs: number,
    readonly count = 1,
  ) {
    this.name = `${inner.name} late=${delayMs}ms`;
  }
  connect(key: number, t: number): void {
    this.lastMs.set(key, t);
    this.inner.connect(key, t);
  }
  /** The idle each connection's last passing packet ended, by connection. */
  private readonly passedIdleMs = new Map<number, number>();
  packet(key: number, t: number, from: Side): PacketFate {
    const fate = this.inner.packet(key, t, from);
    if (fate === 'pass') {
      this.passedIdleMs.set(key, t - (this.lastMs.get(key) ?? t));
      this.lastMs.set(key, t);
    }
    return fate;
  }
  answerDelayMs(key: number, _t: number): number {
    const idleMs = this.passedIdleMs.get(key) ?? 0;
    if (this.late >= this.count || idleMs < this.fromIdleMs) return 0;
    this.late++;
    return this.delayMs;
  }
  closeAt(key: number): number | null {
    return this.inner.closeAt(key);
  }
  disconnect(key: number): void {
    this.lastMs.delete(key);
    this.passedIdleMs.delete(key);
    this.inner.disconnect(key);
  }
}

/**
 * A table with room for `capacity` mappings: a new connection evicts the least recently used one
 * (home routers do this). A tool that holds many connections can cause the very eviction it measures.
 */
export class TableLimit implements MiddleboxModel {
  readonly name: string;
  private readonly lastUse = new Map<number, number>();
  private readonly evicted = new Set<number>();
  constructor(
    private readonly inner: MiddleboxModel,
    readonly capacity: number,
  ) {
    this.name = `${inner.name} table=${capacity}`;
  }
  connect(key: number, t: number): void {
    if (this.lastUse.size >= this.capacity) {
      let oldest: number | null = null;
      let oldestMs = Number.POSITIVE_INFINITY;
      for (const [k, ms] of this.lastUse) if (ms < oldestMs) [oldest, oldestMs] = [k, ms];
      if (oldest !== null) {
        this.lastUse.delete(oldest);
        this.evicted.add(oldest);
      }
    }
    this.lastUse.set(key, t);
    this.inner.connect(key, t);
  }
  packet(key: number, t: number, from: Side): PacketFate {
    if (this.evicted.has(key)) return 'drop';
    const fate = this.inner.packet(key, t, from);
    if (fate === 'pass') this.lastUse.set(key, t);
    return fate;
  }
  closeAt(key: number): number | null {
    return this.evicted.has(key) ? null : this.inner.closeAt(key);
  }
  disconnect(key: number): void {
    this.lastUse.delete(key);
    this.evicted.delete(key);
    this.inner.disconnect(key);
  }
}

/** mulberry32: small, fast and deterministic, so simulated runs repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
