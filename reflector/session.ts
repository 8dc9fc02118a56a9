/**
 * One client session: its probes, its control channel (when it has one) and what happened to its
 * probes while it had none.
 *
 *   connected --control lost--> detached --resume within grace--> connected
 *       |                          |
 *       +--bye / reflector close---+--grace expired--> ended (probes destroyed, timers cleared)
 *
 * The grace is the resume grace once a probe has attached; before that it is the short unattached
 * grace, so that sessions opened and dropped without probes do not hold session slots for long.
 *
 * The session owns two timers: its life (armed at creation, connection-limits.ts maxSessionLifeMs)
 * and the resume grace, only while detached. Probe events that
 * happen while detached are queued (bounded, oldest dropped first) and delivered after the resumed
 * welcome, in order. The welcome itself lists the probes still open, so a client that lost queued
 * events can still tell which probes are gone.
 *
 * The session holds its secret (protocol/auth.ts), which only the registry reads, to check probe
 * hellos and resumes; it never sends it. A probe id is accepted once per session: a replayed hello
 * of a probe that has ended is refused like a duplicate.
 *
 * Limits (connection-limits.ts): each test is admitted against the longest idle (refused:
 * idle-too-long, the probe closed) and the session's test rate (a token bucket; over it the session
 * ends: event-rate). The rate ends the session rather than closing the probe that tripped it: only
 * the session's own client can make tests (probe hellos are MACed), an honest one stays far below
 * the rate, and a flooder with many probes would otherwise go on probe after probe, each close one
 * more event. Paused (its control channel not draining: control-connection.ts) it reads none of its
 * probes and queues what it would send; resumed, it reads them again and sends the queue.
 */
import type { Socket } from 'node:net';
import {
  PROTOCOL_VERSION,
  SESSION_LIMIT_CLOSE,
  type SessionLimitReason,
  type ProbeEventKind,
  type ProbeId,
  type ReflectorMessage,
  type SessionId,
  type SeenEndpoint,
} from '../protocol/wire.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits.js';
import { BoundedQueue } from './bounded-queue.js';
import { seenEndpointOf } from './remote-address.js';
import { CLOSE } from './close-codes.js';
import {
  type AttachedProbe,
  createProbe,
  discardProbe,
  endProbe,
  pauseProbe,
  pushProbe,
  resumeProbe,
  startProbe,
  type ProbeEnd,
  type ProbeOwner,
  type TestKind,
} from './probe.js';
import type { RefusalReason } from './refusal.js';
import { TokenBucket } from './token-bucket.js';

export type SessionState = 'connected' | 'detached' | 'ended';

export type SessionEndReason =
  | 'bye'
  | 'resume grace expired'
  /** Its control channel dropped before any probe attached, and the short grace passed. */
  | 'unattached grace expired'
  | 'reflector closing'
  | SessionLimitReason;

export interface SessionLimits extends Partial<
  Pick<ConnectionLimits, 'maxEventsPerS' | 'eventBurst' | 'maxSessionLifeMs' | 'maxIdleMs'>
> {
  maxProbes: number;
  resumeGraceMs: number;
  /**
   * The grace of a session that never attached a probe: it holds nothing a resume would save, so
   * it gives its slot back soon (reflector/admission-limits.ts DEFAULT_UNATTACHED_GRACE_MS).
   */
  unattachedGraceMs: number;
  backlogLimit: number;
}

export type AttachResult = 'attached' | 'duplicate' | 'too-many-probes' | 'session-ended';

/**
 * Probe ids a session remembers at most (about 2 MiB at most): far more than a discovery opens
 * (hundreds), so reaching it means a client opening probes in a loop, refused as too-many-probes.
 */
export const MAX_PROBE_IDS_PER_SESSION = 65_536;

/**
 * What a session needs from its control channel, and all it may do with one. Defined here, on the
 * session's side (as probe.ts defines `ProbeOwner`), so the session never imports the channel that
 * implements it (`ControlConnection`) and the two modules do not depend on each other in a cycle.
 */
export interface SessionChannel {
  /** True while messages sent now will reach the peer. */
  readonly isOpen: boolean;
  send(message: ReflectorMessage): void;
  /** Starts a close with a code from `CLOSE`. */
  close(code: number, reason: string): void;
}

export class Session implements ProbeOwner {
  // A new session has no channel until the reflector attaches the one whose hello created it.
  state: SessionState = 'detached';
  readonly probes = new Map<ProbeId, AttachedProbe>();
  private control: SessionChannel | null = null;
  private readonly backlog: BoundedQueue<ReflectorMessage>;
  private graceTimer: NodeJS.Timeout | null = null;
  /** Every probe id ever attached here, so an ended probe's hello cannot be replayed. */
  private readonly usedIds = new Set<ProbeId>();
  private lifeTimer: NodeJS.Timeout | null;
  private readonly tests: TokenBucket;
  private readonly maxIdleMs: number;
  /** True while the control channel is not draining: probes unread, messages queued. */
  private paused = false;

  constructor(
    readonly id: SessionId,
    /** The per-session secret: keys probe hellos and resumes. Never sent. */
    readonly secret: Buffer,
    /** The reflector's nonce, sent in every welcome. */
    readonly nonce: string,
    private readonly limits: SessionLimits,
    private readonly onEnd: (session: Session, reason: SessionEndReason, probes: number) => void,
    /** Sees every probe event as it happens (the reflector's counters); it must not act on the probe. */
    private readonly onProbeEvent: (event: ProbeEventKind) => void = () => {},
    /** Something of this session's was refused (counters and log): a test, or the session itself. */
    private readonly onRefused: (reason: RefusalReason) => void = () => {},
  ) {
    this.backlog = new BoundedQueue(limits.backlogLimit);
    const d = DEFAULT_CONNECTION_LIMITS;
    this.tests = new TokenBucket(
      limits.maxEventsPerS ?? d.maxEventsPerS,
      limits.eventBurst ?? d.eventBurst,
      performance.now(),
    );
    this.maxIdleMs = limits.maxIdleMs ?? d.maxIdleMs;
    this.lifeTimer = setTimeout(
      () => this.endOnLimit('session-life'),
      limits.maxSessionLifeMs ?? d.maxSessionLifeMs,
    );
  }

  /** Messages lost because the backlog overflowed while detached. */
  get droppedMessages(): number {
    return this.backlog.dropped;
  }

  /**
   * Makes `control` this session's channel: sends the welcome, then everything queued meanwhile.
   * A previous channel that is still open (a half-open connection the client gave up on) is closed.
   */
  attachControl(control: SessionChannel, resumed: boolean): void {
    if (this.state === 'ended') return;
    this.stopGrace();
    const previous = this.control;
    this.control = control;
    this.state = 'connected';
    if (previous !== null && previous !== control)
      previous.close(CLOSE.policyViolation, 'superseded by a resumed control channel');
    control.send({
      type: 'welcome',
      version: PROTOCOL_VERSION,
      session: this.id,
      nonce: this.nonce,
      resumed,
      probes: [...this.probes.keys()],
    });
    for (const message of this.backlog.drain()) control.send(message);
  }

  /** The control channel went away: keep the probes for the resume grace, then give up. */
  detachControl(control: SessionChannel): void {
    if (this.state !== 'connected' || this.control !== control) return;
    this.control = null;
    this.state = 'detached';
    // The pause was that channel's; detached, events go to the bounded backlog anyway.
    this.resumeTraffic();
    const attachedAny = this.usedIds.size > 0;
    this.graceTimer = setTimeout(
      () => this.end(attachedAny ? 'resume grace expired' : 'unattached grace expired'),
      attachedAny ? this.limits.resumeGraceMs : this.limits.unattachedGraceMs,
    );
  }

  /** Sends on the control channel, or queues for a resume if there is none right now. */
  send(message: ReflectorMessage): void {
    if (this.state === 'ended') return;
    if (this.control !== null && this.control.isOpen && !this.paused) this.control.send(message);
    else this.backlog.push(message);
  }

  /** The control channel is not draining: stop reading the probes, queue what would be sent. */
  pauseTraffic(): void {
    if (this.paused || this.state === 'ended') return;
    this.paused = true;
    for (const probe of this.probes.values()) pauseProbe(probe);
  }

  /** The control channel drained: read the probes again and send what was queued meanwhile. */
  resumeTraffic(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const probe of this.probes.values()) resumeProbe(probe);
    const control = this.control;
    if (control === null || !control.isOpen) return;
    for (const message of this.backlog.drain()) this.send(message);
  }

  /** The session breaks one of its limits: it ends, and the client is told which by the close code. */
  endOnLimit(reason: SessionLimitReason): void {
    if (this.state === 'ended') return;
    this.onRefused(reason);
    this.end(reason);
  }

  /** Takes over a probe socket whose hello named this session. The caller destroys it unless attached. */
  attachProbe(socket: Socket, id: ProbeId, rest: Buffer): AttachResult {
    if (this.state === 'ended') return 'session-ended';
    // The first connection with an id wins: a newer one is a client bug or a replay.
    if (this.usedIds.has(id)) return 'duplicate';
    if (this.probes.size >= this.limits.maxProbes || this.usedIds.size >= MAX_PROBE_IDS_PER_SESSION) {
      this.send({
        type: 'error',
        code: 'too-many-probes',
        message: `probe ${id} refused: a session may hold ${this.limits.maxProbes} probes`,
      });
      return 'too-many-probes';
    }
    this.usedIds.add(id);
    const probe = createProbe(socket, id, this);
    this.probes.set(id, probe);
    // Where the probe came from, read from the socket (no I/O), so the client can tell its NAT.
    this.probeEvent(probe, 'attached', seenEndpointOf(socket));
    startProbe(probe, rest, this.paused);
    return 'attached';
  }

  /**
   * Pushes on probe `id`; false (and an `unknown-probe` error sent) when there is no such open probe.
   * A push the limits refuse is true: it was answered (with its own error) and counted there.
   */
  push(id: ProbeId): boolean {
    const probe = this.probes.get(id);
    if (probe !== undefined && pushProbe(probe) !== 'gone') return true;
    this.send({ type: 'error', code: 'unknown-probe', message: `no open probe ${id} in this session` });
    return false;
  }

  admitTest(probe: AttachedProbe, kind: TestKind): boolean {
    const nowMs = performance.now();
    const idleMs = nowMs - probe.lastTestMs;
    if (idleMs > this.maxIdleMs) {
      const test = kind === 'pushed' ? 'push' : 'ping';
      this.refuseTest(
        probe,
        'idle-too-long',
        `${test} on probe ${probe.id} refused: idle ${Math.round(idleMs / 1000)} s, and this reflector ` +
          `holds a probe idle for at most ${Math.round(this.maxIdleMs / 1000)} s (its --max-idle)`,
      );
      return false;
    }
    if (!this.tests.take(nowMs)) {
      this.endOnLimit('event-rate');
      return false;
    }
    probe.lastTestMs = nowMs;
    return true;
  }

  testOutstanding(probe: AttachedProbe, kind: TestKind): void {
    this.onRefused('test-outstanding');
    this.send({
      type: 'error',
      code: 'test-outstanding',
      message:
        `probe ${probe.id} closed: a ${kind === 'pushed' ? 'push' : 'ping'} came before the ` +
        'previous tests were answered (one test at a time per probe)',
    });
  }

  probeEvent(probe: AttachedProbe, event: ProbeEventKind, seen: SeenEndpoint | null = null): void {
    this.onProbeEvent(event);
    this.send({ type: 'probe', probe: probe.id, event, ...(seen === null ? {} : { seen }) });
  }

  probeGone(probe: AttachedProbe, end: ProbeEnd): void {
    if (this.probes.get(probe.id) === probe) this.probes.delete(probe.id);
    this.probeEvent(probe, end);
  }

  /** The reflector-side socket of an open probe (diagnostics and tests; never write to it). */
  probeSocket(id: ProbeId): Socket | undefined {
    return this.probes.get(id)?.socket;
  }

  /** Ends the session now: every probe destroyed, the timers cleared, the control channel closed. */
  end(reason: SessionEndReason): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.stopGrace();
    if (this.lifeTimer !== null) clearTimeout(this.lifeTimer);
    this.lifeTimer = null;
    for (const probe of this.probes.values()) discardProbe(probe);
    const probes = this.probes.size;
    this.probes.clear();
    this.backlog.drain();
    const control = this.control;
    this.control = null;
    if (control !== null) control.close(closeCodeOf(reason), reason);
    this.onEnd(this, reason, probes);
  }

  /** Tells the client why a test was refused, and closes that probe (the client gives up: see wire.ts). */
  private refuseTest(probe: AttachedProbe, code: 'idle-too-long', message: string): void {
    this.onRefused(code);
    this.send({ type: 'error', code, message });
    endProbe(probe, 'closed');
  }

  private stopGrace(): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}

function closeCodeOf(reason: SessionEndReason): number {
  switch (reason) {
    case 'bye':
      return CLOSE.normal;
    case 'resume grace expired':
    case 'unattached grace expired':
    case 'reflector closing':
      return CLOSE.goingAway;
    case 'control-backlog':
    case 'event-rate':
    case 'session-life':
      return SESSION_LIMIT_CLOSE[reason];
    default: {
      const never: never = reason;
      throw new Error(`unhandled session end ${String(never)}`);
    }
  }
}
