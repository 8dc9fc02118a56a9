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

/** What the planners need of the configuration. */
export type SearchLimits = Pick<SearchConfig, 'minMs' | 'maxMs' | 'resolutionMs'>;

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
  /** What the search found beside the bracket, as data; worded by client/report/findings-text.ts. */
  findings: Finding[];
  /**
   * Notes already worded by whoever drove or replaced the search (a resumed control channel, a
   * bench baseline); printed after the findings.
   */
  notes: string[];
  probesSent: number;
  connectionsOpened: number;
  peakConnections: number;
  observations: Observation[];
}

/** Why a search stopped before it finished. */
export type StopReason =
  /** Its deadline passed: observations this contradictory do not settle by waiting longer. */
  | { kind: 'unsettled'; afterMs: number }
  /** Its driver stopped it (the reflector vanished, the user interrupted), saying why. */
  | { kind: 'aborted'; message: string };

/** A pass that was re-checked with fewer connections, as the re-check compares it. */
export interface EarlierPassFigures {
  budget: number;
  survivedMs: number | null;
  evictedMs: number | null;
  /** The share of its connections' first tests that went unanswered. */
  firstTestsUnansweredShare: number;
}

/** The last pass (the re-check), as it is compared with the earlier ones. */
export interface LastPassFigures {
  budget: number;
  survivedMs: number | null;
  evictedMs: number | null;
  /** The share of its records that went unanswered (suspected lost). */
  unansweredShare: number;
  /** Its tests, spontaneous deaths aside. */
  tests: number;
}

/** One thing the search found beside the bracket, with its figures. */
export type Finding =
  | { kind: 'stopped-early'; reason: StopReason }
  /** The re-checks with fewer connections moved the answer: a full connection table. */
  | { kind: 'table-depends'; earlier: EarlierPassFigures[]; now: LastPassFigures }
  /** The re-check left as many tests unanswered with few connections: loss on the path, not a full table. */
  | { kind: 'recheck-loss'; earlier: EarlierPassFigures; now: LastPassFigures }
  /** The re-check found the same answer, with too few tests to tell loss from a full table. */
  | { kind: 'recheck-same'; earlier: EarlierPassFigures; now: LastPassFigures }
  /**
   * Re-checked with few connections because another direction's tests suggested a full table,
   * which the directions share (shared-table.ts); this one's own pass showed none.
   */
  | { kind: 'recheck-shared'; earlier: EarlierPassFigures; now: LastPassFigures }
  /**
   * Evictions are not sharp: a periodic sweep. `granularityMs`: its period, about; `atMostMs`:
   * what the sawtooth proves of the zone; `movedMs` and `gapMs`: how far the batches saw the
   * boundary move and how far apart they were (null: not seen to move, the zone's width is the
   * granularity); `fromMs`: where the reported bracket starts.
   */
  | {
      kind: 'sweep';
      granularityMs: number;
      atMostMs: number | null;
      movedMs: number | null;
      gapMs: number | null;
      fromMs: number | null;
    }
  /** Tests unanswered at idles other connections survived, set aside as probe loss. */
  | { kind: 'probe-loss'; count: number }
  /** Survivals dated up to `pastMs` past the idle of another connection's reset or close. */
  | { kind: 'mistimed'; count: number; pastMs: number }
  | { kind: 'open-failures'; count: number }
  /**
   * The search was ended once the recommendation no longer depended on it: the `by` direction dies
   * first and was bracketed, and this one had survived past that (searched to `searchedToMs`).
   */
  | { kind: 'settled'; by: Direction; searchedToMs: number | null };

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
  /**
   * The longest idle a live connection has now (the frontier's idle so far), or null with none
   * idle: before the first eviction, the search cannot end before this reaches --max.
   */
  oldestIdleMs: number | null;
  /** The search is in (or ended with) a full-table re-check: the table is suspected full. */
  recheck?: boolean;
  /** The connections the current pass holds: a re-check with fewer than the one before shows here. */
  budget?: number;
}

/** A search's current (or, once finished, last) pass: its connections, whether a re-check. */
export interface PassBudget {
  readonly budget: number;
  readonly recheck: boolean;
  readonly finished: boolean;
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
  diedIdle(conn: ConnId, nowMs: number, how: EvictionKind): void;
  /** The driver cannot tell how this connection's test went (no result either way): drop it unrecorded. */
  forget(conn: ConnId): void;
  /** Stop now (the reflector vanished); the result holds what was learned so far. */
  abort(reason: string): void;
  /**
   * The answer is settled without this search (see settle.ts): finish at the next decision,
   * closing its connections, with a `settled` finding. Baselines that never settle leave it out.
   */
  settle?(by: Direction): void;
  /**
   * The current pass's connections, and whether it is a full-table re-check (shared-table.ts).
   * Baselines that never re-check leave it out.
   */
  passBudget?(): PassBudget | null;
  /**
   * Another direction re-checks with `budget` connections, and the table is shared: re-check with
   * at most that many too, at the next decision, even if finished after a re-check (shared-table.ts).
   */
  shareRecheck?(budget: number): void;
  /**
   * The control channel's measured round trip: a test unanswered well past it is planned as
   * evicted until its grace ends (client/search/provisional.ts). Baselines leave it out.
   */
  controlRtt?(rttMs: number): void;
  result(): DirectionResult;
  progress(nowMs: number): SearchProgress;
}
