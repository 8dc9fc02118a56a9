/**
 * `idlescope verify --dead-peer`: how long this keepalive plan takes to notice a peer that vanished,
 * measured on the real path, against the prediction of client/keepalive/dead-peer.ts.
 *
 * One connection, keepalive applied (and TCP_USER_TIMEOUT when given), which never sends data after
 * its hello: the reflector pushes one byte on it every PUSH_EVERY_MS instead (asked over the control
 * channel), so the client knows the time of every packet it receives, and its own kernel has nothing
 * in flight: when the path starts dropping, it is in the idle case, which keepalive decides.
 *
 *   push ─ push ─ push ─ [path drops everything] ─ ─ ─ probe 1 ── probe 2 ... probe n ── error
 *                   └── last packet received ──── idle ──┘── interval x count ─────────┘
 *   measured = error - last push received; predicted = idle + interval x count (or the user timeout's)
 *
 * The reference point is exactly what the kernel counts from (Linux tcp_keepalive_timer: the time
 * since the last segment received): the arrival of the last push, stamped in the 'data' callback.
 * A push arrives at most PUSH_EVERY_MS after the previous one, always before the idle runs out, so
 * no keepalive (whose answer the client could not see) ever refreshes the connection while the
 * path works. Accuracy: the kernel's timers (jiffies) and the event loop's stamp, a few ms.
 *
 * Timers it owns, cleared by stop(): the push cadence and the wait bound.
 */
import type { Socket } from 'node:net';
import { PUSH_BYTE, type ProbeEventKind, type ProbeId } from '../../protocol/wire.js';
import type { SessionCredentials } from '../../protocol/auth.js';
import type { HostPort } from '../../protocol/address.js';
import type { ProbeLink } from '../transport/probe-transport.js';
import { ProbeConnection } from '../discovery/probe-connection.js';
import { deadPeerDetection, type DeadPeerDetection } from '../keepalive/dead-peer.js';
import type { KeepalivePlan } from '../keepalive/keepalive-plan.js';
import type { KernelKeepalive } from './held-keepalive.js';

/** The reflector pushes this often (at most half the idle): each push is a known last packet. */
export const PUSH_EVERY_MS = 1000;

/** A detection within this much of the prediction is as predicted (the acceptance's 1 s). */
export const DETECTION_TOLERANCE_MS = 1000;

export interface DeadPeerRunOptions {
  dial: HostPort;
  /** How the connection reaches the reflector and what runs over it (default: direct TCP). */
  link?: ProbeLink | undefined;
  session: SessionCredentials;
  probe: ProbeId;
  plan: KeepalivePlan;
  /** How long to wait for the path to start dropping, ms; then the run ends inconclusive. */
  waitMs: number;
  now(): number;
  push(probe: ProbeId): void;
  /** Applies the plan to the socket and returns what the kernel holds (apply-keepalive.ts). */
  applyKeepalive(socket: Socket, plan: KeepalivePlan): KernelKeepalive;
  /** Called once, at the first push received: the path works, and the drop may come. */
  onIdleReady?: () => void;
}

export type DeadPeerVerdict = 'as-predicted' | 'not-as-predicted' | 'not-dropped';

export interface DeadPeerResult {
  plan: KeepalivePlan;
  prediction: DeadPeerDetection;
  kernel: KernelKeepalive | null;
  verdict: DeadPeerVerdict;
  /** From the last packet received to the socket's error, ms (null: it never errored). */
  measuredMs: number | null;
  /** How the socket ended: its error code (ETIMEDOUT from keepalive), 'close' (FIN), or null. */
  how: string | null;
  pushesReceived: number;
}

export class DeadPeerRun {
  private readonly connection: ProbeConnection;
  private pushTimer: NodeJS.Timeout | null = null;
  private waitTimer: NodeJS.Timeout | null = null;
  private lastReceivedMs: number | null = null;
  private pushes = 0;
  private errorCode: string | null = null;
  private kernel: KernelKeepalive | null = null;
  private finish: ((result: DeadPeerResult) => void) | null = null;
  private readonly prediction: DeadPeerDetection;
  readonly done: Promise<DeadPeerResult>;

  constructor(private readonly options: DeadPeerRunOptions) {
    this.prediction = deadPeerDetection(options.plan);
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.connection = new ProbeConnection(
      options.dial.host,
      options.dial.port,
      options.session,
      options.probe,
      options.link,
    );
    this.connection.on('ready', this.connectionOnReady);
    this.connection.on('failed', (error) => this.end((error as NodeJS.ErrnoException).code ?? 'failed'));
    this.connection.on('byte', this.connectionOnByte);
    this.connection.on('died', (how) => this.end(this.errorCode ?? how));
  }

  /** A reflector event about this run's probe: pushes start once it is attached. */
  onReflectorEvent(probe: ProbeId, event: ProbeEventKind): boolean {
    if (probe !== this.options.probe) return false;
    if (event === 'attached' && this.pushTimer === null) this.pushAgain();
    if (event === 'closed') this.end('close');
    if (event === 'reset') this.end('reset');
    return true;
  }

  stop(): void {
    this.clearTimers();
    this.connection.destroy();
    this.end(null);
  }

  private readonly connectionOnReady = (): void => {
    const applied = this.connection.configure((socket) => {
      // Before ProbeConnection's own listener, which reports every error as a reset.
      socket.prependListener('error', (error: NodeJS.ErrnoException) => {
        this.errorCode ??= error.code ?? 'error';
      });
      this.kernel = this.options.applyKeepalive(socket, this.options.plan);
    });
    if (!applied) this.end('failed');
  };

  private readonly connectionOnByte = (value: number): void => {
    if (value !== PUSH_BYTE) return;
    this.lastReceivedMs = this.options.now();
    this.pushes++;
    if (this.pushes === 1) {
      // From the first push the path is known to work: the wait for its drop starts now.
      this.waitTimer = setTimeout(() => this.end(null), this.options.waitMs + this.detectionBoundMs());
      this.options.onIdleReady?.();
    }
  };

  /** The longest a detection may take once the path dropped: the prediction, the tolerance and a push. */
  private detectionBoundMs(): number {
    return this.prediction.whileIdleS * 1000 + DETECTION_TOLERANCE_MS + 2 * PUSH_EVERY_MS;
  }

  private pushAgain(): void {
    this.options.push(this.options.probe);
    const everyMs = Math.min(PUSH_EVERY_MS, (this.options.plan.idleS * 1000) / 2);
    this.pushTimer = setTimeout(() => this.pushAgain(), everyMs);
  }

  private end(how: string | null): void {
    const finish = this.finish;
    if (finish === null) return;
    this.finish = null;
    const nowMs = this.options.now();
    this.clearTimers();
    this.connection.destroy();
    const measuredMs = how === null || this.lastReceivedMs === null ? null : nowMs - this.lastReceivedMs;
    const predictedMs = this.prediction.whileIdleS * 1000;
    const verdict: DeadPeerVerdict =
      measuredMs === null
        ? 'not-dropped'
        : Math.abs(measuredMs - predictedMs) <= DETECTION_TOLERANCE_MS
          ? 'as-predicted'
          : 'not-as-predicted';
    finish({
      plan: this.options.plan,
      prediction: this.prediction,
      kernel: this.kernel,
      verdict,
      measuredMs,
      how,
      pushesReceived: this.pushes,
    });
  }

  private clearTimers(): void {
    if (this.pushTimer !== null) clearTimeout(this.pushTimer);
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.pushTimer = this.waitTimer = null;
  }
}
