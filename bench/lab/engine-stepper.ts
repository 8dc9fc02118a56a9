/**
 * Drives one SearchEngine of the bench (a baseline such as the k-ary rounds) over a probe path:
 * the same loop as client/discovery/discovery-run.ts, cut down to one direction and no
 * verification. The path is the real ProbeSlots in the lab (kary-over-sockets.ts), or a fake one on
 * an injected clock in the tests, so the loop is tested without sockets.
 *
 * Timers: one wake timer, owned here and cleared by stop(). Steps run on a fresh tick (setImmediate)
 * so a burst of probe reports makes one decision. A wake fires never before the time the engine
 * asked for: Node starts a timer from its cached loop time, so it can fire a few ms early by the
 * clock, and a test taken early would measure an idle below the one the engine planned.
 */
import type { ProbeFates, ProbeSlotsOwner } from '../../client/discovery/probe-slots.js';
import type { ConnId, Direction, SearchEngine } from '../../client/search/types.js';

/** What the stepper asks of a path: open, test and close connections of one direction. */
export interface ProbePath {
  open(direction: Direction, conn: ConnId): void;
  test(direction: Direction, conn: ConnId): void;
  close(direction: Direction, conn: ConnId): void;
  /** Tears every connection down (the run is over). */
  discardAll(): void;
}

/** How a stepped run ended: the engine finished, or the path was lost (with why). */
export type StepperEnd = { kind: 'finished' } | { kind: 'lost'; reason: string };

export class EngineStepper {
  private readonly path: ProbePath;
  private wakeTimer: NodeJS.Timeout | null = null;
  private stepQueued = false;
  private paused = false;
  private end: StepperEnd | null = null;
  private resolveRun: ((end: StepperEnd) => void) | null = null;

  /**
   * @param makePath builds the path, given the owner it reports probe fates to (ProbeSlots' shape).
   * @param now the clock the engine is fed (performance.now() on real sockets).
   */
  constructor(
    private readonly engine: SearchEngine,
    makePath: (owner: ProbeSlotsOwner) => ProbePath,
    private readonly now: () => number,
  ) {
    const fates: ProbeFates = engine;
    this.path = makePath({
      search: (direction) => (direction === engine.direction ? fates : undefined),
      queueStep: () => this.queueStep(),
      giveUp: (reason) => this.stop({ kind: 'lost', reason }),
      ended: () => this.end !== null,
    });
  }

  /** Steps the engine until it finishes or stop() is called; resolves with how it ended. */
  run(): Promise<StepperEnd> {
    const finished = new Promise<StepperEnd>((resolve) => (this.resolveRun = resolve));
    if (this.end !== null) return Promise.resolve(this.end);
    this.queueStep();
    return finished;
  }

  /** While paused (the control channel resumes), decisions wait: an inbound test could not be sent. */
  pause(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.queueStep();
  }

  /** Ends the run: the wake timer is cleared and every connection torn down. Idempotent. */
  stop(end: StepperEnd): void {
    if (this.end !== null) return;
    this.end = end;
    if (end.kind === 'lost') this.engine.abort(end.reason);
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.path.discardAll();
    this.resolveRun?.(end);
  }

  private queueStep(): void {
    if (this.stepQueued || this.end !== null) return;
    this.stepQueued = true;
    setImmediate(() => {
      this.stepQueued = false;
      this.step();
    });
  }

  private step(): void {
    if (this.end !== null || this.paused) return;
    const { actions, wakeAtMs } = this.engine.decide(this.now());
    const direction = this.engine.direction;
    for (const action of actions) {
      switch (action.type) {
        case 'open':
          this.path.open(direction, action.conn);
          break;
        case 'probe':
          this.path.test(direction, action.conn);
          break;
        case 'close':
          this.path.close(direction, action.conn);
          break;
        default: {
          const never: never = action;
          throw new Error(`unknown action ${JSON.stringify(never)}`);
        }
      }
    }
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    if (this.engine.finished) this.stop({ kind: 'finished' });
    else if (wakeAtMs !== null) this.wakeAt(wakeAtMs);
  }

  private wakeAt(wakeAtMs: number): void {
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        if (this.end !== null) return;
        if (this.now() < wakeAtMs) this.wakeAt(wakeAtMs);
        else this.step();
      },
      Math.max(0, Math.ceil(wakeAtMs - this.now())),
    );
  }
}
