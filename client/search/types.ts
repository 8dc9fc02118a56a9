/**
 * Types shared by the pure search engine and the adapters that drive it (real sockets, or the
 * simulated clock used by tests and the bench). All times are milliseconds on a monotonic clock
 * owned by the driver; the search never reads a clock itself.
 */

/** inbound: the reflector pushes to the client. outbound: the client sends, the reflector echoes. */
export type Direction = 'inbound' | 'outbound';
export const DIRECTIONS: readonly Direction[] = ['inbound', 'outbound'];

/** How an eviction showed. */
export type EvictionKind = 'silent-drop' | 'reset' | 'close';

/** A probe connection, numbered by the search that owns it. */
export type ConnId = number;

/** What the search asks its driver to do. */
export type SearchAction =
  /** Open a new probe connection; report back with `opened` or `openFailed`. */
  | { type: 'open'; conn: ConnId }
  /** Test this idle connection now; report back with `outcome`. */
  | { type: 'probe'; conn: ConnId }
  /** Close this connection: it is of no further use. No report expected. */
  | { type: 'close'; conn: ConnId };

export type ProbeOutcome = { survived: true } | { survived: false; how: EvictionKind };

/** One test: a connection idle for `idleMs` was probed at `atMs`. */
export interface Observation {
  conn: ConnId;
  idleMs: number;
  atMs: number;
  survived: boolean;
  how: EvictionKind | null;
  /** true when the middlebox closed the connection by itself while it was idle (no probe sent). */
  spontaneous: boolean;
}

export interface SearchConfig {
  direction: Direction;
  /** Shortest idle worth testing. */
  minMs: number;
  /** Longest idle tested; surviving it ends the search with "no eviction up to max". */
  maxMs: number;
  /** Target bracket width for an eviction bound `hiMs`. */
  resolutionMs: (hiMs: number) => number;
  /** Most probe connections this search may hold at once. */
  maxConnections: number;
}

/** The search's answer for one direction. */
export interface DirectionResult {
  direction: Direction;
  /** Longest idle seen to survive (null: nothing survived, even `minMs`). */
  survivedMs: number | null;
  /** Shortest idle seen evicted (null: nothing evicted up to `maxMs`). */
  evictedMs: number | null;
  eviction: EvictionKind | null;
  /** 0..1: how much the observations agree with one sharp timeout. */
  confidence: number;
  /** Plain-language findings ("sweep granularity about 10 s"). */
  notes: string[];
  probesSent: number;
  connectionsOpened: number;
  peakConnections: number;
  observations: Observation[];
}

/** A live view for progress display. */
export interface SearchProgress {
  direction: Direction;
  survivedMs: number | null;
  evictedMs: number | null;
  connections: { idle: number; probing: number; opening: number };
  evicted: number;
  finished: boolean;
  /** Best guess of when this search finishes, or null while no eviction is seen yet. */
  etaMs: number | null;
}

/** The contract between the search and whatever drives it. */
export interface SearchEngine {
  readonly direction: Direction;
  readonly finished: boolean;
  /** Decide what to do now; the driver calls again at `wakeAtMs` or on any report, whichever is first. */
  decide(nowMs: number): { actions: SearchAction[]; wakeAtMs: number | null };
  /** The connection is established and registered; it is idle from `idleSinceMs` (its last packet). */
  opened(conn: ConnId, idleSinceMs: number): void;
  openFailed(conn: ConnId, nowMs: number, reason: string): void;
  /**
   * Result of a probe the search asked for. After survival the connection is idle again from
   * `nowMs`. `testedAtMs` is when the test packet crossed the middlebox, when that differs from
   * the moment the probe was asked for (an inbound push leaves the reflector about one RTT later).
   */
  outcome(conn: ConnId, nowMs: number, outcome: ProbeOutcome, testedAtMs?: number): void;
  /** The connection died while idle, without being probed (a proxy's FIN, an RST). */
  lost(conn: ConnId, nowMs: number, how: EvictionKind): void;
  /** The driver lost track of this connection's test (no result either way): drop it unrecorded. */
  forget(conn: ConnId): void;
  /** Stop now (the reflector vanished); the result holds what was learned so far. */
  abort(reason: string): void;
  result(): DirectionResult;
  progress(nowMs: number): SearchProgress;
}
