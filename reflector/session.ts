/**
 * One client session: its probes, its control channel (when it has one) and what happened to its
 * probes while it had none.
 *
 *   connected --control lost--> detached --resume within grace--> connected
 *       |                          |
 *       +--bye / reflector close---+--grace expired--> ended (probes destroyed, timers cleared)
 *
 * The session owns exactly one timer, the resume grace, and only while detached. Probe events that
 * happen while detached are queued (bounded, oldest dropped first) and delivered after the resumed
 * welcome, in order. The welcome itself lists the probes still open, so a client that lost queued
 * events can still tell which probes are gone.
 *
 * The session holds its secret (protocol/auth.ts), which only the registry reads, to check probe
 * hellos and resumes; it never sends it. A probe id is accepted once per session: a replayed hello
 * of a probe that has ended is refused like a duplicate.
 */
import {
  PROTOCOL_VERSION,
  type ProbeEventKind,
  type ProbeId,
  type ReflectorMessage,
  type SessionId,
} from '../protocol/wire.js';
import { BoundedQueue } from './bounded-queue.js';
import { CLOSE } from './close-codes.js';
import {
  type AttachedProbe,
  createProbe,
  discardProbe,
  pushProbe,
  startProbe,
  type ProbeEnd,
  type ProbeOwner,
  type ProbeStream,
} from './probe.js';

export type SessionState = 'connected' | 'detached' | 'ended';

export type SessionEndReason = 'bye' | 'resume grace expired' | 'reflector closing';

export interface SessionLimits {
  maxProbes: number;
  resumeGraceMs: number;
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
  ) {
    this.backlog = new BoundedQueue(limits.backlogLimit);
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
    this.graceTimer = setTimeout(() => this.end('resume grace expired'), this.limits.resumeGraceMs);
  }

  /** Sends on the control channel, or queues for a resume if there is none right now. */
  send(message: ReflectorMessage): void {
    if (this.state === 'ended') return;
    if (this.control !== null && this.control.isOpen) this.control.send(message);
    else this.backlog.push(message);
  }

  /** Takes over a probe socket whose hello named this session. The caller destroys it unless attached. */
  attachProbe(socket: ProbeStream, id: ProbeId, rest: Buffer): AttachResult {
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
    this.probeEvent(probe, 'attached');
    startProbe(probe, rest);
    return 'attached';
  }

  /** Pushes on probe `id`; false (and an `unknown-probe` error sent) when there is no such open probe. */
  push(id: ProbeId): boolean {
    const probe = this.probes.get(id);
    if (probe !== undefined && pushProbe(probe)) return true;
    this.send({ type: 'error', code: 'unknown-probe', message: `no open probe ${id} in this session` });
    return false;
  }

  probeEvent(probe: AttachedProbe, event: ProbeEventKind): void {
    this.onProbeEvent(event);
    this.send({ type: 'probe', probe: probe.id, event });
  }

  probeGone(probe: AttachedProbe, end: ProbeEnd): void {
    if (this.probes.get(probe.id) === probe) this.probes.delete(probe.id);
    this.probeEvent(probe, end);
  }

  /** The reflector-side socket of an open probe (diagnostics and tests; never write to it). */
  probeSocket(id: ProbeId): ProbeStream | undefined {
    return this.probes.get(id)?.socket;
  }

  /** Ends the session now: every probe destroyed, the timer cleared, the control channel closed. */
  end(reason: SessionEndReason): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.stopGrace();
    for (const probe of this.probes.values()) discardProbe(probe);
    const probes = this.probes.size;
    this.probes.clear();
    this.backlog.drain();
    const control = this.control;
    this.control = null;
    if (control !== null) {
      control.close(reason === 'bye' ? CLOSE.normal : CLOSE.goingAway, reason);
    }
    this.onEnd(this, reason, probes);
  }

  private stopGrace(): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}
