/**
 * The real-socket adapter around the pure search: one control channel, many raw probe
 * connections, real timers. It turns the search's actions into socket operations and socket
 * events into the search's reports, and it owns every timer it starts.
 *
 * The probes themselves (opening, tests and their grace, how a FIN or RST is told) are
 * probe-slots.ts's; the run holds the searches, steps them, keeps their wake timers and stops.
 * (About 450 lines: start, the steps, the verification's hand-off, settling, the shared re-check
 * and stop share one set of timers and one control channel; what could stand alone already does,
 * in probe-slots.ts, settle.ts, shared-table.ts, grace.ts and the verification folder.)
 */
import type { IdleSearch } from '../search/idle-search.js';
import { createSearch } from '../search/search-config.js';
import { leastSurvivedMs, settledBy } from '../search/settle.js';
import { mustShareRecheck } from '../search/shared-table.js';
import type { Direction, SearchAction, SearchProgress } from '../search/types.js';
import { ControlChannel, type ControlChannelEvents } from './control-channel.js';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import { randomProbeIds, type SessionCredentials } from '../../protocol/auth.js';
import { ReflectorLostError, type IdlescopeError } from '../../protocol/errors.js';
import type { DiscoveryReport } from '../report/report.js';
import { RunCostMeter } from './run-cost.js';
import { graceForMs } from './grace.js';
import { runSettingsOf } from './run-settings.js';
import { ProbeSlots } from './probe-slots.js';
import { ProbeLog } from './probe-log.js';
import type { RawDialer } from '../transport/raw-dialer.js';
import { proxyRoute } from '../transport/proxy-dialer.js';
import { probeLink, type ProbeTransport } from '../transport/probe-transport.js';
import {
  VerificationRun,
  type VerificationPlan,
  type VerificationResult,
  type VerificationRunOptions,
} from '../verification/verification-run.js';

/** The verification's rungs are retired, and the run checked for settling, at most this often. */
const SURVIVAL_OBSERVE_INTERVAL_MS = 1000;

export interface DiscoveryOptions {
  /** The reflector, as the user named it (shown in the report). */
  reflector: HostPort;
  /** Where to connect, when not the reflector itself (the demo dials through its emulator). */
  dial?: HostPort;
  /** The reflector's token ('' or absent: the empty token, for a reflector run without one). */
  token?: string | undefined;
  /** How every connection (probes and control channel) reaches the reflector (default: directly). */
  dialer?: RawDialer | undefined;
  /** What the probes run over; the control channel is wss when it has TLS (default: raw TCP). */
  transport?: ProbeTransport | undefined;
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
   * Follow every direction to --max (or its bracket), even once the answer is settled by the
   * direction that dies first (see client/search/settle.ts). Default: end when settled.
   */
  full?: boolean;
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
  /** The clock the directions' `etaMs` are on (performance.now()). */
  nowMs: number;
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

/**
 * Runs a whole discovery. Rejects with an IdlescopeError when the control channel cannot be
 * opened (unreachable, not a reflector, refused); a reflector lost later resolves with the partial
 * report and a ReflectorLostError.
 */
export async function runDiscovery(options: DiscoveryOptions): Promise<DiscoveryOutcome> {
  const link = probeLink(options.dialer, options.transport);
  const control = new ControlChannel(options.dial ?? options.reflector, {
    token: options.token,
    dialer: link.dialer,
    tls: link.transport.tls,
  });
  await control.connect();
  return new DiscoveryRun(options, control).run();
}

class DiscoveryRun {
  private readonly engines = new Map<Direction, IdleSearch>();
  private readonly wakeTimers = new Map<Direction, NodeJS.Timeout>();
  private readonly stepQueued = new Set<Direction>();
  private readonly startedMs = performance.now();
  private readonly startedAt = new Date().toISOString();
  private readonly probeLog = new ProbeLog(this.startedMs);
  private readonly dial: HostPort;
  private readonly graceMs: number;
  private progressTimer: NodeJS.Timeout | null = null;
  /** Unguessable probe ids, shared by the slots and the verification (one session). */
  private readonly allocateProbeId = randomProbeIds();
  private end: DiscoveryEnd | null = null;
  private abortReason: string | null = null;
  private resolveRun: (() => void) | null = null;
  private interrupted = false;
  private resumes = 0;
  private readonly cost = new RunCostMeter();
  private readonly probes: ProbeSlots;
  private verification: VerificationRun | null = null;
  private survivalObservedAtMs = Number.NEGATIVE_INFINITY;
  private verificationResult: VerificationResult | null = null;
  private concluding = false;

  constructor(
    private readonly options: DiscoveryOptions,
    private readonly control: ControlChannel,
  ) {
    this.dial = options.dial ?? options.reflector;
    this.graceMs = (options.graceS ?? DEFAULT_GRACE_S) * 1000;
    // --grace, else sized from the measured RTT (grace.ts); the verification keeps the fixed one.
    const userGraceMs = options.graceS === null ? null : options.graceS * 1000;
    this.probes = new ProbeSlots({
      dial: this.dial,
      link: probeLink(options.dialer, options.transport),
      graceMs: () => graceForMs(userGraceMs, control.rttMs, DEFAULT_GRACE_S * 1000),
      control,
      cost: this.cost,
      allocateProbeId: this.allocateProbeId,
      log: this.probeLog,
      owner: {
        search: (direction) => this.engines.get(direction),
        queueStep: (direction) => this.queueStep(direction),
        giveUp: (reason) => this.stop('reflector-lost', reason),
        ended: () => this.end !== null,
      },
    });
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
    this.control.once('refused', this.controlOnGone); // no more probes: as lost, with the words
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
      nowMs: now,
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
    engine.controlRtt(this.control.rttMs); // for provisional evictions (client/search/provisional.ts)
    const { actions, wakeAtMs } = engine.decide(this.now());
    for (const action of actions) this.perform(direction, action);
    const previous = this.wakeTimers.get(direction);
    if (previous !== undefined) clearTimeout(previous);
    this.wakeTimers.delete(direction);
    if (wakeAtMs !== null) this.wakeAt(direction, wakeAtMs);
    this.shareRechecks();
    this.observeProgress();
    if ([...this.engines.values()].every((e) => e.finished)) this.conclude();
  }

  private startVerification(): void {
    const verification = this.options.verification;
    if (verification === undefined) return;
    this.verification = new VerificationRun({
      dial: this.dial,
      link: probeLink(this.options.dialer, this.options.transport),
      session: this.control.credentials as SessionCredentials,
      minS: this.options.minS,
      maxS: this.options.maxS,
      directions: [...this.engines.keys()],
      graceMs: this.graceMs,
      now: () => this.now(),
      rttMs: () => this.control.rttMs,
      push: (probe) => this.control.push(probe),
      allocateProbeId: this.allocateProbeId,
      applyKeepalive: verification.applyKeepalive,
    });
    this.verification.start();
  }

  /** The directions share the middlebox's table: a re-check in one is a re-check in all (shared-table.ts). */
  private shareRechecks(): void {
    const searches = [...this.engines];
    for (const { index, budget } of mustShareRecheck(searches.map(([, e]) => e.passBudget()))) {
      const [direction, engine] = searches[index] as [Direction, IdleSearch];
      engine.shareRecheck(budget);
      this.queueStep(direction);
    }
  }

  /**
   * Tells the verification what survived, and ends the directions the answer no longer depends on
   * (settle.ts), at most once a second: a step comes with every socket event, and reading the
   * engines' progress judges all their tests.
   */
  private observeProgress(): void {
    const nowMs = this.now();
    if (nowMs - this.survivalObservedAtMs < SURVIVAL_OBSERVE_INTERVAL_MS) return;
    const engines = [...this.engines.values()];
    const settleable = this.options.full !== true && engines.some((e) => e.finished);
    if (this.verification === null && !settleable) return;
    this.survivalObservedAtMs = nowMs;
    const progress = engines.map((e) => e.progress(nowMs));
    this.verification?.observeSurvival(leastSurvivedMs(progress));
    // Settled: the direction that dies first is bracketed and the others survived past it.
    const by = settleable ? settledBy(progress) : null;
    if (by === null) return;
    for (const [direction, engine] of this.engines) {
      if (engine.finished) continue;
      engine.settle(by);
      this.queueStep(direction);
    }
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
        this.probes.open(direction, action.conn);
        return;
      case 'probe':
        this.probes.test(direction, action.conn);
        return;
      case 'close':
        this.probes.close(direction, action.conn);
        return;
      default: {
        const never: never = action;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  private readonly controlOnProbe = (...[probe, event, seen]: ControlChannelEvents['probe']): void => {
    if (!this.probes.holds(probe)) {
      this.verification?.onReflectorEvent(probe, event);
      return;
    }
    this.probes.reflectorEvent(probe, event, seen);
  };

  private readonly controlOnInterrupted = (): void => {
    this.interrupted = true;
    this.probes.controlInterrupted();
  };

  private readonly controlOnResumed = (): void => {
    this.interrupted = false;
    this.resumes++;
    for (const direction of this.engines.keys()) this.queueStep(direction);
  };

  private readonly controlOnGone = (why: string): void => {
    this.stop('reflector-lost', why);
  };

  private stop(end: DiscoveryEnd, reason: string | null): void {
    if (this.end !== null) return;
    this.end = end;
    this.abortReason = reason;
    if (reason !== null) for (const engine of this.engines.values()) engine.abort(reason);
    for (const timer of this.wakeTimers.values()) clearTimeout(timer);
    this.wakeTimers.clear();
    if (this.progressTimer !== null) clearInterval(this.progressTimer);
    this.probes.discardAll();
    this.verification?.stop();
    this.control.off('probe', this.controlOnProbe);
    this.control.off('gone', this.controlOnGone);
    this.control.off('refused', this.controlOnGone);
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
          `the control channel dropped ${this.resumes} time(s) and ` +
            `the session was resumed; idle probes kept their clocks`,
        );
      }
      directions[direction] = result;
      connectionsUsed += result.connectionsOpened;
    }
    return {
      reflector: formatHostPort(this.options.reflector),
      proxy: proxyRoute(this.options.dialer),
      transport: this.options.transport?.name ?? 'tcp',
      tlsVersion: this.control.tlsVersion,
      elapsedMs: this.now() - this.startedMs,
      connectionsUsed,
      aborted: this.abortReason,
      directions,
      verification: this.verificationResult,
      // stop() has discarded every probe by now, so each one's bytes are in.
      cost: this.cost.cost(this.control.traffic),
      startedAt: this.startedAt,
      settings: runSettingsOf(this.options),
      probes: this.probeLog.all(),
    };
  }
}

/** An error as the report carries it. */
export function errorOf(error: IdlescopeError): NonNullable<DiscoveryReport['error']> {
  return { code: error.code, message: error.message };
}
