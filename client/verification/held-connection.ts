/**
 * One connection the verification holds beside the probes: refreshed by TCP keepalive, by an
 * application heartbeat (one PING each way every period), or not at all (a control, which must
 * die). It is tested once, in one direction, at a moment its owner picks.
 *
 * Timers it owns, all cleared by destroy(): the keepalive phase switch (see connectionOnReady),
 * the heartbeat, the test and its grace. A keepalive connection carries no data after its hello.
 *
 *   opened ── ready ── attached ─────── held (refreshed, or idle for a control) ────── test ── done
 *                                                                                       │
 *                            outbound: PING ──► ECHO within the grace ......... alive   │
 *                            inbound:  control{push} ──► PUSH within the grace . alive  │
 *                            RST / FIN (either side) ........................... evicted (reset / close)
 *                            nothing within the grace .......................... evicted (silent drop)
 *
 * Accuracy: its last refresh is known exactly for a heartbeat (the echo's arrival); a kernel
 * keepalive's is predicted from the configured idle plus one RTT per cycle (see worst-moment.ts
 * for the margin that covers it).
 */
import type { Socket } from 'node:net';
import type { ProbeLink } from '../transport/probe-transport.js';
import { ECHO_BYTE, PUSH_BYTE, type ProbeEventKind, type ProbeId } from '../../protocol/wire.js';
import { ProbeConnection } from '../discovery/probe-connection.js';
import type { SessionCredentials } from '../../protocol/auth.js';
import type { Direction, EvictionKind } from '../search/types.js';
import type { KeepaliveSetting, KernelKeepalive } from './held-keepalive.js';
import type { RefreshSetting, TestOutcome } from './verdict.js';
import { worstMomentMarginMs } from './worst-moment.js';

export type Refresh = RefreshSetting | { kind: 'none' };

/**
 * After its first keepalive is due, a connection waits this long (or 2 RTT) for the answer before its idle
 * changes.
 */
const KEEPALIVE_SWITCH_DELAY_MS = 1000;

/** What a held connection needs from the run that owns it. */
export interface HeldConnectionHost {
  now(): number;
  /** The control channel's smoothed RTT, ms. */
  rttMs(): number;
  /** Ask the reflector to push on this probe (an inbound test). */
  push(probe: ProbeId): void;
  /** Applies TCP keepalive to an open socket and returns the kernel's read-back; throws where it cannot. */
  applyKeepalive(socket: Socket, setting: KeepaliveSetting): KernelKeepalive;
  /** How long a test may go unanswered before it is a silent drop, ms. */
  graceMs: number;
  /** How the connection reaches the reflector and what runs over it (default: direct TCP). */
  link?: ProbeLink | undefined;
}

export interface HeldTest {
  direction: Direction;
  /** When the test crossed a middlebox near the client. */
  atMs: number;
  /** How long the connection had been held then. */
  heldMs: number;
  /** How long since its last refresh (for a control: since it was attached). */
  idleAtTestMs: number;
  outcome: TestOutcome;
}

type HeldState = 'opening' | 'held' | 'testing' | 'done';

export class HeldConnection {
  private readonly connection: ProbeConnection;
  private state: HeldState = 'opening';
  private openedAtMs: number;
  /** The connection's last packet received (a refresh's answer, or the hello's), ms. */
  private lastRefreshMs: number;
  private phaseTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private testTimer: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  /** A heartbeat or phase echo sent and not yet answered. */
  private refreshSentAtMs: number | null = null;
  private testing: { direction: Direction; atMs: number; idleAtTestMs: number } | null = null;
  private resolveTest: ((test: HeldTest) => void) | null = null;
  private deathBeforeTest: { how: EvictionKind; atMs: number } | null = null;
  /** What the kernel held after the last keepalive was applied (the rung's, once the phase switched). */
  private kernel: KernelKeepalive | null = null;

  constructor(
    readonly id: ProbeId,
    readonly refresh: Refresh,
    /** The rung this connection belongs to, s (null for a control). */
    readonly rungS: number | null,
    /**
     * Where in its cycle the connection refreshes, ms after it opened (see connectionOnReady; 0: at one
     * period).
     */
    private readonly phaseOffsetMs: number,
    dial: { host: string; port: number },
    /** The session's id and secret: the probe hello's MAC. */
    session: SessionCredentials,
    private readonly host: HeldConnectionHost,
  ) {
    this.openedAtMs = host.now();
    this.lastRefreshMs = this.openedAtMs;
    this.connection = new ProbeConnection(dial.host, dial.port, session, id, host.link);
    this.connection.on('ready', this.connectionOnReady);
    this.connection.on('failed', () => this.died('reset'));
    this.connection.on('byte', this.connectionOnByte);
    this.connection.on('died', (how) => this.died(how));
  }

  /** Still opening (not yet attached by the reflector), or gone without ever being held. */
  get opening(): boolean {
    return this.state === 'opening';
  }

  /** Whether the connection is still held and may be tested. */
  get alive(): boolean {
    return this.state === 'held';
  }

  /** The refresh period, ms (null for a control, which is never refreshed). */
  get periodMs(): number | null {
    switch (this.refresh.kind) {
      case 'keepalive':
        // The kernel counts each idle from the last packet received: one RTT more per cycle.
        return this.refresh.idleS * 1000 + this.host.rttMs();
      case 'heartbeat':
        return this.refresh.periodS * 1000;
      case 'none':
        return null;
      default: {
        const never: never = this.refresh;
        throw new Error(`unknown refresh ${JSON.stringify(never)}`);
      }
    }
  }

  /** The last refresh known for certain (an answer seen here), ms. */
  get lastKnownRefreshMs(): number {
    return this.lastRefreshMs;
  }

  /** The kernel's read-back of this connection's keepalive (null: none applied, or not a keepalive). */
  get keepaliveReadBack(): KernelKeepalive | null {
    return this.kernel;
  }

  get heldSinceMs(): number {
    return this.openedAtMs;
  }

  /** A reflector event about this probe (routed by the owner). */
  onReflectorEvent(event: ProbeEventKind): void {
    switch (event) {
      case 'attached':
        if (this.state !== 'opening') return;
        this.state = 'held';
        this.startRefreshing();
        return;
      case 'pushed':
      case 'echoed':
        return;
      case 'reset':
        this.died('reset');
        return;
      case 'closed':
        this.died('close');
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown probe event ${String(never)}`);
      }
    }
  }

  /** How it died while held (after the reflector attached it, before any test), or null. */
  get diedWhileHeld(): { how: EvictionKind; atMs: number } | null {
    return this.deathBeforeTest;
  }

  /**
   * Tests the connection at `atMs` in `direction` and resolves with the outcome; call it only on a
   * connection that is `alive`. If it dies before the test goes out, the test resolves then,
   * evicted, dated when it died.
   */
  test(direction: Direction, atMs: number): Promise<HeldTest> {
    if (this.state !== 'held') throw new Error(`test() on a connection that is ${this.state}`);
    return new Promise<HeldTest>((resolve) => {
      this.resolveTest = resolve;
      this.testing = { direction, atMs, idleAtTestMs: this.idleAt(atMs) };
      // A heartbeat's beats drift by an RTT each: its test takes the place of the beat that comes
      // due near `atMs` (sendRefresh), a whole period after the one before. This timer only
      // backs that up, a period later.
      const backupMs = this.refresh.kind === 'heartbeat' ? this.refresh.periodS * 1000 : 0;
      // An inbound push crosses a middlebox near the client about one RTT after its command.
      const sendAtMs = (direction === 'inbound' ? atMs - this.host.rttMs() : atMs) + backupMs;
      this.testTimer = setTimeout(() => this.sendTest(), Math.max(0, sendAtMs - this.host.now()));
    });
  }

  /**
   * How long the connection has been idle at `atMs`: since its last refresh seen here, or, for a
   * kernel keepalive that this side never sees, since the last one its cycle predicts.
   */
  idleAt(atMs: number): number {
    const sinceMs = atMs - this.lastRefreshMs;
    const periodMs = this.periodMs;
    // Before a keepalive connection's first probe (its predicted refresh is still ahead): since open.
    if (sinceMs < 0) return atMs - this.openedAtMs;
    if (this.refresh.kind !== 'keepalive' || periodMs === null) return sinceMs;
    return sinceMs - Math.floor(sinceMs / periodMs) * periodMs;
  }

  /** Tears the connection down and clears every timer it owns. */
  destroy(): void {
    this.state = 'done';
    this.clearTimers();
    this.connection.destroy();
  }

  /**
   * A keepalive connection takes its phase without sending any data (data would refresh a
   * terminating proxy's timer, which keepalive cannot): its first keepalive comes after a shorter
   * idle, its phase offset in whole seconds, and only then does its idle become the rung's. Setting
   * TCP_KEEPIDLE on a live socket restarts the kernel's timer from the last packet received, so
   * the cycle keeps that phase from then on.
   *
   *   ready ── first keepalive (offset) ── switch to idle k ── keepalive ── ... every k
   */
  private readonly connectionOnReady = (): void => {
    this.openedAtMs = this.host.now();
    this.lastRefreshMs = this.openedAtMs;
    if (this.refresh.kind !== 'keepalive') return;
    const setting = this.refresh;
    const firstIdleS = this.firstKeepaliveIdleS();
    if (!this.configureKeepalive({ ...setting, idleS: firstIdleS })) return;
    if (firstIdleS === setting.idleS) return;
    // The first keepalive and its answer are due by then: after it, the cycle is the rung's.
    const firstAnsweredMs = firstIdleS * 1000 + Math.max(KEEPALIVE_SWITCH_DELAY_MS, 2 * this.host.rttMs());
    this.lastRefreshMs = this.openedAtMs + firstIdleS * 1000 + this.host.rttMs();
    this.phaseTimer = setTimeout(() => {
      this.phaseTimer = null;
      if (this.state === 'opening' || this.state === 'held') this.configureKeepalive(setting);
    }, firstAnsweredMs);
  };

  /** The idle before a keepalive connection's first probe: its phase offset, whole seconds (at least 1). */
  private firstKeepaliveIdleS(): number {
    if (this.refresh.kind !== 'keepalive' || this.phaseOffsetMs <= 0)
      return (this.refresh as { idleS: number }).idleS;
    return Math.max(1, Math.min(this.refresh.idleS, Math.round(this.phaseOffsetMs / 1000)));
  }

  private configureKeepalive(setting: KeepaliveSetting): boolean {
    try {
      const applied = this.connection.configure((socket) => {
        this.kernel = this.host.applyKeepalive(socket, setting);
      });
      if (applied) return true;
    } catch {
      // The platform refused an option: this connection proves nothing; its owner checked support.
    }
    this.destroy();
    return false;
  }

  /**
   * A heartbeat's first beat comes at its phase offset (or one period in), then one period after each answer.
   */
  private startRefreshing(): void {
    if (this.refresh.kind !== 'heartbeat') return;
    const firstMs = this.phaseOffsetMs > 0 ? this.phaseOffsetMs : this.refresh.periodS * 1000;
    const dueMs = this.openedAtMs + firstMs;
    this.heartbeatTimer = setTimeout(() => this.sendRefresh(), Math.max(0, dueMs - this.host.now()));
  }

  private scheduleHeartbeat(): void {
    if (this.refresh.kind !== 'heartbeat' || this.state !== 'held') return;
    const dueMs = this.lastRefreshMs + this.refresh.periodS * 1000;
    this.heartbeatTimer = setTimeout(() => this.sendRefresh(), Math.max(0, dueMs - this.host.now()));
  }

  /** One PING whose ECHO refreshes the connection: a heartbeat. */
  private sendRefresh(): void {
    this.heartbeatTimer = null;
    if (this.state !== 'held') return;
    const nowMs = this.host.now();
    const testing = this.testing;
    if (testing !== null && this.refresh.kind === 'heartbeat') {
      const periodMs = this.refresh.periodS * 1000;
      if (nowMs >= testing.atMs - worstMomentMarginMs(periodMs)) {
        // This beat is the test: the connection has been idle one whole period.
        testing.atMs = nowMs;
        if (this.testTimer !== null) clearTimeout(this.testTimer);
        this.sendTest();
        return;
      }
    }
    this.refreshSentAtMs = nowMs;
    this.connection.ping();
  }

  private sendTest(): void {
    this.testTimer = null;
    const testing = this.testing;
    if (this.state !== 'held' || testing === null) return;
    // The test is the connection's last use: no heartbeat may land between it and its answer.
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.state = 'testing';
    const nowMs = this.host.now();
    testing.idleAtTestMs = this.idleAt(testing.atMs);
    if (testing.direction === 'outbound') this.connection.ping();
    else this.host.push(this.id);
    this.graceTimer = setTimeout(
      () => this.finishTest({ alive: false, how: 'silent-drop' }),
      this.host.graceMs + 2 * this.host.rttMs() + Math.max(0, testing.atMs - nowMs),
    );
  }

  private readonly connectionOnByte = (value: number): void => {
    if (this.state === 'testing' && this.testing !== null) {
      const expected = this.testing.direction === 'outbound' ? ECHO_BYTE : PUSH_BYTE;
      if (value === expected) this.finishTest({ alive: true });
      return;
    }
    if (this.state === 'held' && value === ECHO_BYTE && this.refreshSentAtMs !== null) {
      this.refreshSentAtMs = null;
      this.lastRefreshMs = this.host.now();
      this.scheduleHeartbeat();
    }
  };

  private died(how: EvictionKind): void {
    if (this.state === 'done') return;
    if (this.state === 'testing') {
      this.finishTest({ alive: false, how });
      return;
    }
    const atMs = this.host.now();
    if (this.state === 'held') this.deathBeforeTest = { how, atMs };
    if (this.testing !== null) {
      // Died while its test was scheduled: that is the test's answer, dated now.
      this.testing.atMs = atMs;
      this.testing.idleAtTestMs = this.idleAt(atMs);
      this.finishTest({ alive: false, how });
      return;
    }
    this.destroy();
  }

  private finishTest(outcome: TestOutcome): void {
    const testing = this.testing;
    const resolve = this.resolveTest;
    this.resolveTest = null;
    this.testing = null;
    this.destroy();
    if (resolve === null || testing === null) return;
    resolve({
      direction: testing.direction,
      atMs: testing.atMs,
      heldMs: testing.atMs - this.openedAtMs,
      idleAtTestMs: testing.idleAtTestMs,
      outcome,
    });
  }

  private clearTimers(): void {
    for (const timer of [this.phaseTimer, this.heartbeatTimer, this.testTimer, this.graceTimer]) {
      if (timer !== null) clearTimeout(timer);
    }
    this.phaseTimer = this.heartbeatTimer = this.testTimer = this.graceTimer = null;
  }
}
