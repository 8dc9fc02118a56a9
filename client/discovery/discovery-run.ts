/**
 * The real-socket adapter around the pure search: one control channel, many raw probe
 * connections, real timers. It turns the search's actions into socket operations and socket
 * events into the search's reports, and it owns every timer it starts.
 *
 * A test, and how its result is told (grace = --grace, plus twice the control RTT):
 *
 *   outbound  write PING ──► ECHO back ........ survived (idle again from the echo)
 *                       └──► RST (either side) . reset
 *                       └──► FIN .............. close
 *                       └──► nothing in grace . silent-drop
 *   inbound   control{push} ──► PUSH arrives .. survived;  otherwise as above, where the RST may be
 *                                                          one only the reflector saw (it reports it)
 *
 * Accuracy: idles are measured on performance.now() at the client, as a middlebox near the client
 * sees them; an evicted inbound test is dated one smoothed RTT after its command, so its idle is
 * off by the RTT's jitter. A surviving inbound test is dated when its push arrives, exact, unless
 * the push came a retransmission timeout late (TCP sent it again): then it is dated like an evicted
 * one, off by the RTT's jitter rather than an RTO late, which could place a survival above T.
 * Timers fire within a few ms.
 */
import type { IdleSearch } from '../search/idle-search.js';
import { createSearch } from '../search/search-config.js';
import type { ConnId, Direction, EvictionKind, SearchAction, SearchProgress } from '../search/types.js';
import { ProbeConnection } from './probe-connection.js';
import { ControlChannel } from './control-channel.js';
import { ECHO_BYTE, PUSH_BYTE, type ProbeEventKind, type ProbeId } from '../../protocol/wire.js';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import { ReflectorLostError, describeCause, type IdlescopeError } from '../../protocol/errors.js';
import type { DiscoveryReport } from '../report/report.js';
import { RunCostMeter } from './run-cost.js';
import { AttachLag } from './attach-lag.js';
import { pushCrossedAtMs } from './push-dating.js';
import {
  VerificationRun,
  type VerificationPlan,
  type VerificationResult,
  type VerificationRunOptions,
} from '../verification/verification-run.js';

export interface DiscoveryOptions {
  /** The reflector, as the user named it (shown in the report). */
  reflector: HostPort;
  /** Where to connect, when not the reflector itself (the demo dials through its emulator). */
  dial?: HostPort;
  minS: number;
  maxS: number;
  /** Absolute target width; null for the default max(1 s, 1% of the timeout). */
  resolutionS: number | null;
  /** Probe connections held at once, over all directions. */
  connections: number;
  directions: readonly Direction[];
  /** How long to wait for a test's answer before calling it a silent drop; null for the default. */
  graceS: number | null;
  /**
   * Verification of the recommendation on this path, beside the probes: how to plan it from the
   * search's results, and how to apply keepalive to a socket. Absent: no verification.
   */
  verification?: {
    plan(directions: DiscoveryReport['directions']): VerificationPlan | null;
    applyKeepalive: VerificationRunOptions['applyKeepalive'];
  };
  signal?: AbortSignal;
  onProgress?: (progress: DiscoveryProgress) => void;
  progressIntervalMs?: number;
}

export interface DiscoveryProgress {
  elapsedMs: number;
  directions: SearchProgress[];
}

export type DiscoveryEnd = 'complete' | 'reflector-lost' | 'interrupted';

/** How a run ended, what it learned, and for a lost reflector the error (also in the report). */
export interface DiscoveryOutcome {
  report: DiscoveryReport;
  end: DiscoveryEnd;
  error: IdlescopeError | null;
}

/** Default grace before a silent drop is declared: TCP retransmits a lost segment well within it. */
export const DEFAULT_GRACE_S = 1.5;

/** A probe that has not been attached by the reflector in this time is given up. */
const ATTACH_TIMEOUT_MS = 10_000;

/** Probe connections opening at once, at most (see DiscoveryRun.open). */
export const MAX_OPENING = 32;

/** After this many failed opens with not one success, the reflector is deemed unreachable. */
const OPEN_FAILURES_BEFORE_GIVING_UP = 16;

/** dying: its socket saw FIN or RST, held until the reflector proves alive (see probeDied). */
type SlotState = 'opening' | 'idle' | 'testing' | 'dying';

interface ProbeSlot {
  id: ProbeId;
  direction: Direction;
  conn: ConnId;
  connection: ProbeConnection;
  state: SlotState;
  /** Attach timeout while opening, grace while testing; null while idle (nothing touches an idle probe). */
  timer: NodeJS.Timeout | null;
  /** While testing: when the test packet is estimated to cross a middlebox near the client. */
  testedAtMs: number;
  /** When the hello was written. */
  helloAtMs: number;
  /** An inbound test whose push command may have been lost with the control channel. */
  pushInDoubt: boolean;
}

/**
 * Runs a whole discovery. Rejects with an IdlescopeError when the control channel cannot be
 * opened (unreachable, not a reflector, refused); a reflector lost later resolves with the partial
 * report and a ReflectorLostError.
 */
export async function runDiscovery(options: DiscoveryOptions): Promise<DiscoveryOutcome> {
  const control = new ControlChannel(options.dial ?? options.reflector);
  await control.connect();
  return new DiscoveryRun(options, control).run();
}

class DiscoveryRun {
  private readonly engines = new Map<Direction, IdleSearch>();
  private readonly slots = new Map<ProbeId, ProbeSlot>();
  private readonly slotByConn = new Map<string, ProbeSlot>();
  private readonly wakeTimers = new Map<Direction, NodeJS.Timeout>();
  private readonly stepQueued = new Set<Direction>();
  private readonly startedMs = performance.now();
  private readonly dial: HostPort;
  private readonly graceMs: number;
  private progressTimer: NodeJS.Timeout | null = null;
  private nextProbeId = 1;
  private opened = 0;
  private openFailures = 0;
  private end: DiscoveryEnd | null = null;
  private abortReason: string | null = null;
  private resolveRun: (() => void) | null = null;
  private interrupted = false;
  private resumes = 0;
  private readonly cost = new RunCostMeter();
  private readonly attachLag = new AttachLag();
  /** Probe connections opening now (not yet attached or failed), and those waiting their turn. */
  private openingNow = 0;
  private readonly pendingOpens: { direction: Direction; conn: ConnId }[] = [];
  private verification: VerificationRun | null = null;
  private verificationResult: VerificationResult | null = null;
  private concluding = false;

  constructor(
    private readonly options: DiscoveryOptions,
    private readonly control: ControlChannel,
  ) {
    this.dial = options.dial ?? options.reflector;
    this.graceMs = (options.graceS ?? DEFAULT_GRACE_S) * 1000;
    const perDirection = Math.max(2, Math.floor(options.connections / options.directions.length));
    for (const direction of options.directions) {
      this.engines.set(
        direction,
        createSearch({
          direction,
          minMs: options.minS * 1000,
          maxMs: options.maxS * 1000,
          resolutionMs: options.resolutionS === null ? null : options.resolutionS * 1000,
          maxConnections: perDirection,
        }),
      );
    }
  }

  async run(): Promise<DiscoveryOutcome> {
    const finished = new Promise<void>((resolve) => (this.resolveRun = resolve));
    this.control.on('probe', this.controlOnProbe);
    this.control.once('gone', this.controlOnGone);
    this.control.on('interrupted', this.controlOnInterrupted);
    this.control.on('resumed', this.controlOnResumed);
    const signal = this.options.signal;
    const signalOnAbort = (): void => this.stop('interrupted', 'interrupted');
    signal?.addEventListener('abort', signalOnAbort, { once: true });
    if (signal?.aborted === true) signalOnAbort();
    if (this.options.onProgress !== undefined) {
      this.progressTimer = setInterval(
        () => this.options.onProgress?.(this.progress()),
        this.options.progressIntervalMs ?? 1000,
      );
    }
    this.startVerification();
    for (const direction of this.engines.keys()) this.queueStep(direction);
    await finished;
    signal?.removeEventListener('abort', signalOnAbort);
    const end = this.end ?? 'complete';
    const error =
      end === 'reflector-lost'
        ? new ReflectorLostError(
            formatHostPort(this.options.reflector),
            this.abortReason ?? 'no reason given',
          )
        : null;
    const report = this.report();
    return { report: error === null ? report : { ...report, error: errorOf(error) }, end, error };
  }

  private now(): number {
    return performance.now();
  }

  private progress(): DiscoveryProgress {
    const now = this.now();
    return {
      elapsedMs: now - this.startedMs,
      directions: [...this.engines.values()].map((e) => e.progress(now)),
    };
  }

  /** Steps run on a fresh tick, so a burst of socket events makes one decision, not many. */
  private queueStep(direction: Direction): void {
    if (this.stepQueued.has(direction) || this.end !== null) return;
    this.stepQueued.add(direction);
    setImmediate(() => {
      this.stepQueued.delete(direction);
      this.step(direction);
    });
  }

  private step(direction: Direction): void {
    const engine = this.engines.get(direction);
    // While the control channel resumes, decisions wait: an inbound test could not be sent.
    if (engine === undefined || this.end !== null || this.interrupted) return;
    const { actions, wakeAtMs } = engine.decide(this.now());
    for (const action of actions) this.perform(direction, action);
    const previous = this.wakeTimers.get(direction);
    if (previous !== undefined) clearTimeout(previous);
    this.wakeTimers.delete(direction);
    if (wakeAtMs !== null) this.wakeAt(direction, wakeAtMs);
    this.verification?.observeSurvival(this.leastSurvivedMs());
    if ([...this.engines.values()].every((e) => e.finished)) this.conclude();
  }

  private startVerification(): void {
    const verification = this.options.verification;
    if (verification === undefined) return;
    this.verification = new VerificationRun({
      dial: this.dial,
      session: this.control.session as string,
      minS: this.options.minS,
      maxS: this.options.maxS,
      directions: [...this.engines.keys()],
      graceMs: this.graceMs,
      now: () => this.now(),
      rttMs: () => this.control.rttMs,
      push: (probe) => this.control.push(probe),
      allocateProbeId: () => this.nextProbeId++,
      applyKeepalive: verification.applyKeepalive,
    });
    this.verification.start();
  }

  /** The longest survival in the direction that survives least (null while one has none). */
  private leastSurvivedMs(): number | null {
    let least: number | null = null;
    for (const engine of this.engines.values()) {
      const { survivedMs } = engine.progress(this.now());
      if (survivedMs === null) return null;
      least = least === null ? survivedMs : Math.min(least, survivedMs);
    }
    return least;
  }

  /**
   * The search is done: the verification takes its tests, then the run ends. Without a
   * verification, or with nothing to prove, it ends at once.
   */
  private conclude(): void {
    if (this.concluding || this.end !== null) return;
    this.concluding = true;
    const verification = this.verification;
    const plan = verification === null ? null : (this.options.verification?.plan(this.results()) ?? null);
    if (verification === null || plan === null) {
      this.stop('complete', null);
      return;
    }
    verification.conclude(plan).then(
      (result) => {
        this.verificationResult = result;
        this.stop('complete', null);
      },
      () => this.stop('complete', null),
    );
  }

  /**
   * Steps `direction` at wakeAtMs, never before: Node starts a timer from its cached loop time, so
   * it fires up to a few ms early by performance.now(), and a test taken early measures an idle
   * below the one the search asked for.
   */
  private wakeAt(direction: Direction, wakeAtMs: number): void {
    this.wakeTimers.set(
      direction,
      setTimeout(
        () => {
          this.wakeTimers.delete(direction);
          if (this.end !== null) return;
          if (this.now() < wakeAtMs) this.wakeAt(direction, wakeAtMs);
          else this.step(direction);
        },
        Math.max(0, Math.ceil(wakeAtMs - this.now())),
      ),
    );
  }

  private perform(direction: Direction, action: SearchAction): void {
    switch (action.type) {
      case 'open':
        this.open(direction, action.conn);
        return;
      case 'probe':
        this.test(direction, action.conn);
        return;
      case 'close': {
        const slot = this.slotByConn.get(connKey(direction, action.conn));
        if (slot !== undefined) this.discard(slot);
        else this.dropPendingOpen(direction, action.conn);
        return;
      }
      default: {
        const never: never = action;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Opens a probe connection, or queues it while MAX_OPENING are already opening: a burst of
   * hundreds of SYNs looks like a flood to some middleboxes, and makes a userspace one (the
   * demo's emulator) date the last hellos tens of ms late. Queued connections open as earlier ones
   * are attached or fail; each is idle from its own hello, so the search loses nothing by waiting.
   */
  private open(direction: Direction, conn: ConnId): void {
    if (this.openingNow >= MAX_OPENING) {
      this.pendingOpens.push({ direction, conn });
      return;
    }
    this.openingNow++;
    const session = this.control.session as string;
    const id = this.nextProbeId++;
    const connection = new ProbeConnection(this.dial.host, this.dial.port, session, id);
    const slot: ProbeSlot = {
      id,
      direction,
      conn,
      connection,
      state: 'opening',
      timer: null,
      testedAtMs: 0,
      helloAtMs: 0,
      pushInDoubt: false,
    };
    this.slots.set(id, slot);
    this.slotByConn.set(connKey(direction, conn), slot);
    this.cost.probeOpened();
    slot.timer = setTimeout(
      () => this.openFailed(slot, 'the reflector never confirmed the probe connection'),
      ATTACH_TIMEOUT_MS,
    );
    connection.on('ready', () => (slot.helloAtMs = this.now()));
    connection.on('failed', (error) => this.openFailed(slot, describeCause(error)));
    connection.on('byte', (value) => this.probeOnByte(slot, value));
    connection.on('died', (how) => this.probeDied(slot, how, 'client'));
  }

  /** One connection is no longer opening: the next queued one may start. */
  private openingEnded(): void {
    this.openingNow--;
    while (this.end === null && this.openingNow < MAX_OPENING) {
      const next = this.pendingOpens.shift();
      if (next === undefined) return;
      this.open(next.direction, next.conn);
    }
  }

  private dropPendingOpen(direction: Direction, conn: ConnId): void {
    const at = this.pendingOpens.findIndex((p) => p.direction === direction && p.conn === conn);
    if (at >= 0) this.pendingOpens.splice(at, 1);
  }

  private openFailed(slot: ProbeSlot, reason: string): void {
    if (slot.state !== 'opening' || !this.slots.has(slot.id)) return;
    this.discard(slot);
    this.openFailures++;
    this.engines.get(slot.direction)?.openFailed(slot.conn, this.now(), reason);
    if (this.opened === 0 && this.openFailures >= OPEN_FAILURES_BEFORE_GIVING_UP) {
      this.stop('reflector-lost', `probe connections to ${formatHostPort(this.dial)} fail: ${reason}`);
      return;
    }
    this.queueStep(slot.direction);
  }

  private attached(slot: ProbeSlot): void {
    if (slot.state !== 'opening') return;
    this.clearTimer(slot);
    slot.state = 'idle';
    this.opened++;
    this.openingEnded();
    // The probe's last packet is the reflector's ACK of the hello, one network RTT after it, and
    // there is no way to see that ACK from here. Count from the hello itself: that overstates the
    // idle by at most that RTT (and is exact for a terminating proxy, which ACKs the hello itself).
    // Not hello + control RTT: that RTT crosses two event loops and, while hundreds of probes open,
    // runs tens of ms over the network RTT (lab: 50-90 ms against 0.1 ms), so a fresh probe's idle
    // read that much short of a recycled one's (idle from its echo), and RSTs at the boundary looked
    // like evictions below idles that had survived (a "sweep" and a 4 s bracket). An attach report
    // far later than the others' means TCP sent the hello again: count from then (see AttachLag).
    const idleSinceMs = slot.helloAtMs + this.attachLag.observe(this.now() - slot.helloAtMs);
    this.engines.get(slot.direction)?.opened(slot.conn, idleSinceMs);
    this.queueStep(slot.direction);
  }

  private test(direction: Direction, conn: ConnId): void {
    const slot = this.slotByConn.get(connKey(direction, conn));
    if (slot === undefined || slot.state !== 'idle') return;
    slot.state = 'testing';
    // An outbound ping leaves now; an inbound push comes back about one control RTT later.
    slot.testedAtMs = this.now() + (direction === 'inbound' ? this.control.rttMs : 0);
    if (direction === 'outbound') slot.connection.ping();
    else this.control.push(slot.id);
    this.cost.tested(direction);
    slot.timer = setTimeout(() => this.concluded(slot, 'silent-drop'), this.graceMs + 2 * this.control.rttMs);
  }

  /** The test's answer arrived: the connection survived and is idle again from now. */
  private probeOnByte(slot: ProbeSlot, value: number): void {
    const expected = slot.direction === 'outbound' ? ECHO_BYTE : PUSH_BYTE;
    if (slot.state !== 'testing' || value !== expected) return;
    this.clearTimer(slot);
    slot.state = 'idle';
    const now = this.now();
    // A push crossed the middlebox as it arrived, whatever the RTT estimate said, unless TCP had
    // to send it again: then it crossed about when expected, an RTO earlier (see push-dating).
    const testedAtMs = slot.direction === 'inbound' ? pushCrossedAtMs(slot.testedAtMs, now) : slot.testedAtMs;
    this.engines.get(slot.direction)?.outcome(slot.conn, now, { survived: true }, testedAtMs);
    this.queueStep(slot.direction);
  }

  /**
   * A FIN or RST on a probe. Seen by the reflector (reported on the control channel), it is the
   * middlebox's doing. Seen only on the client's socket, it may also be the reflector going away,
   * whose every socket closes at once, a moment before the control channel drops: it
   * counts only once the reflector has answered a heartbeat sent after it, dated when it was seen.
   */
  private probeDied(slot: ProbeSlot, how: EvictionKind, seenBy: 'client' | 'reflector'): void {
    if (!this.slots.has(slot.id)) return;
    switch (slot.state) {
      case 'opening':
        this.openFailed(
          slot,
          `connection ${how === 'close' ? 'closed' : 'reset'} before the reflector confirmed it`,
        );
        return;
      case 'dying':
        return;
      case 'testing':
      case 'idle': {
        const was = slot.state;
        if (seenBy === 'reflector') {
          this.evicted(slot, was, how, this.now());
          return;
        }
        const seenAtMs = this.now();
        this.clearTimer(slot);
        slot.state = 'dying';
        this.control.confirmAlive(() => this.evicted(slot, was, how, seenAtMs));
        return;
      }
      default: {
        const never: never = slot.state;
        throw new Error(`unknown slot state ${String(never)}`);
      }
    }
  }

  private evicted(slot: ProbeSlot, was: 'idle' | 'testing', how: EvictionKind, atMs: number): void {
    if (!this.slots.has(slot.id) || this.end !== null) return;
    if (was === 'testing') {
      // An evicted test: its idle is the one it was tested at.
      this.discard(slot);
      this.engines.get(slot.direction)?.outcome(slot.conn, atMs, { survived: false, how }, slot.testedAtMs);
    } else {
      // Killed while idle: a terminating proxy's FIN, or an RST; the idle it reached is the result.
      this.discard(slot);
      this.engines.get(slot.direction)?.diedIdle(slot.conn, atMs, how);
    }
    this.queueStep(slot.direction);
  }

  /** An evicted test: record it and tear the connection down. */
  private concluded(slot: ProbeSlot, how: EvictionKind): void {
    if (slot.state !== 'testing' || !this.slots.has(slot.id)) return;
    this.discard(slot);
    if (slot.pushInDoubt) {
      // No push arrived, but perhaps none was ever sent: the command may have died with the
      // control channel. Silence proves nothing here, so the test is dropped, not counted.
      this.engines.get(slot.direction)?.forget(slot.conn);
      this.queueStep(slot.direction);
      return;
    }
    this.engines
      .get(slot.direction)
      ?.outcome(slot.conn, this.now(), { survived: false, how }, slot.testedAtMs);
    this.queueStep(slot.direction);
  }

  private readonly controlOnProbe = (probe: ProbeId, event: ProbeEventKind): void => {
    const slot = this.slots.get(probe);
    if (slot === undefined) {
      this.verification?.onReflectorEvent(probe, event);
      return;
    }
    switch (event) {
      case 'attached':
        this.attached(slot);
        return;
      case 'pushed':
      case 'echoed':
        return;
      case 'reset':
        this.probeDied(slot, 'reset', 'reflector');
        return;
      case 'closed':
        this.probeDied(slot, 'close', 'reflector');
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown probe event ${String(never)}`);
      }
    }
  };

  private readonly controlOnInterrupted = (): void => {
    this.interrupted = true;
    for (const slot of this.slots.values())
      if (slot.state === 'testing' && slot.direction === 'inbound') slot.pushInDoubt = true;
  };

  private readonly controlOnResumed = (): void => {
    this.interrupted = false;
    this.resumes++;
    for (const direction of this.engines.keys()) this.queueStep(direction);
  };

  private readonly controlOnGone = (why: string): void => {
    this.stop('reflector-lost', why);
  };

  private clearTimer(slot: ProbeSlot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
  }

  private discard(slot: ProbeSlot): void {
    this.clearTimer(slot);
    const held = this.slots.delete(slot.id);
    this.slotByConn.delete(connKey(slot.direction, slot.conn));
    slot.connection.destroy();
    // After destroy() its counters are final: nothing more is read or written on it.
    if (held) this.cost.probeDiscarded(slot.connection.bytesCarried);
    if (held && slot.state === 'opening') this.openingEnded();
  }

  private stop(end: DiscoveryEnd, reason: string | null): void {
    if (this.end !== null) return;
    this.end = end;
    this.abortReason = reason;
    if (reason !== null) for (const engine of this.engines.values()) engine.abort(reason);
    for (const timer of this.wakeTimers.values()) clearTimeout(timer);
    this.wakeTimers.clear();
    if (this.progressTimer !== null) clearInterval(this.progressTimer);
    this.pendingOpens.length = 0;
    for (const slot of [...this.slots.values()]) this.discard(slot);
    this.verification?.stop();
    this.control.off('probe', this.controlOnProbe);
    this.control.off('gone', this.controlOnGone);
    this.control.off('interrupted', this.controlOnInterrupted);
    this.control.off('resumed', this.controlOnResumed);
    this.control.close();
    this.resolveRun?.();
  }

  private results(): DiscoveryReport['directions'] {
    const directions: DiscoveryReport['directions'] = {};
    for (const [direction, engine] of this.engines) directions[direction] = engine.result();
    return directions;
  }

  private report(): DiscoveryReport {
    const directions: DiscoveryReport['directions'] = {};
    let connectionsUsed = 0;
    for (const [direction, engine] of this.engines) {
      const result = engine.result();
      if (this.resumes > 0) {
        result.notes.push(
          `the control channel dropped ${this.resumes} time(s) and the session was resumed; idle probes kept their clocks`,
        );
      }
      directions[direction] = result;
      connectionsUsed += result.connectionsOpened;
    }
    return {
      reflector: formatHostPort(this.options.reflector),
      transport: 'tcp',
      elapsedMs: this.now() - this.startedMs,
      connectionsUsed,
      aborted: this.abortReason,
      directions,
      verification: this.verificationResult,
      // stop() has discarded every probe by now, so each one's bytes are in.
      cost: this.cost.cost(this.control.traffic),
    };
  }
}

/** An error as the report carries it. */
export function errorOf(error: IdlescopeError): NonNullable<DiscoveryReport['error']> {
  return { code: error.code, message: error.message };
}

function connKey(direction: Direction, conn: ConnId): string {
  return `${direction}:${conn}`;
}
