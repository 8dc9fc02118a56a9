/**
 * The control channel's heartbeat: one interval timer that sends a numbered heartbeat and notices
 * a reflector silent past the limit, the smoothed round-trip time measured from the acks, and the
 * waiters of confirmAlive(), each answered by the first ack of a heartbeat sent after it asked.
 * The channel (control-channel.ts) feeds it what it hears and says when it may send; this owns the
 * interval and clears it on stop(). Accuracy: an RTT sample is the time from writing a heartbeat
 * to reading its ack, both on performance.now(), so it includes both event loops' delays.
 */

/** Smoothing of the RTT estimate, as TCP's SRTT (RFC 6298: alpha = 1/8). */
const RTT_ALPHA = 0.125;

export interface ControlHeartbeatOptions {
  /** Writes heartbeat `seq` on the channel (or nothing, when the channel cannot send now). */
  send: (seq: number) => void;
  /** The channel is open: a heartbeat queued by confirmAlive() is sent only then. */
  isOpen: () => boolean;
  /** Nothing heard from the reflector for longer than the silence limit. */
  silent: (why: string) => void;
}

export class ControlHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private readonly sentAt = new Map<number, number>();
  private lastHeardMs = 0;
  private srttMs: number | null = null;
  /** Callers of confirmAlive(), each with the first heartbeat whose ack answers it. */
  private aliveWaiters: { seq: number; then: () => void }[] = [];
  private aliveCheckQueued = false;

  constructor(private readonly options: ControlHeartbeatOptions) {}

  /** Smoothed round-trip time to the reflector, from heartbeats (0 until the first answer). */
  get rttMs(): number {
    return this.srttMs ?? 0;
  }

  /** Callers of confirmAlive() still wait for an ack. */
  get waiting(): boolean {
    return this.aliveWaiters.length > 0;
  }

  /** Something arrived from the reflector. */
  heard(nowMs: number): void {
    this.lastHeardMs = nowMs;
  }

  start(intervalMs: number, silenceLimitMs: number): void {
    this.lastHeardMs = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      if (now - this.lastHeardMs > silenceLimitMs) {
        this.options.silent(`reflector silent for ${Math.round((now - this.lastHeardMs) / 1000)} s`);
        return;
      }
      this.send(now);
    }, intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Forgets every waiter of confirmAlive(): none of them will be called. */
  dropWaiters(): void {
    this.aliveWaiters = [];
  }

  /** See ControlChannel.confirmAlive: the channel calls this only while open. */
  confirmAlive(then: () => void): void {
    this.aliveWaiters.push({ seq: this.seq + 1, then });
    if (this.aliveCheckQueued) return;
    this.aliveCheckQueued = true;
    setImmediate(() => {
      this.aliveCheckQueued = false;
      if (this.options.isOpen()) this.send(performance.now());
    });
  }

  /** The reflector acked heartbeat `seq`. */
  acked(seq: number): void {
    // The reflector answers in order: this ack answers every waiter up to its seq.
    const answered = this.aliveWaiters.filter((w) => w.seq <= seq);
    this.aliveWaiters = this.aliveWaiters.filter((w) => w.seq > seq);
    for (const waiter of answered) waiter.then();
    const sentAt = this.sentAt.get(seq);
    if (sentAt === undefined) return;
    this.sentAt.delete(seq);
    const sample = performance.now() - sentAt;
    this.srttMs = this.srttMs === null ? sample : (1 - RTT_ALPHA) * this.srttMs + RTT_ALPHA * sample;
  }

  send(now: number): void {
    const seq = ++this.seq;
    this.sentAt.set(seq, now);
    // Only recent samples matter; forget heartbeats that were never answered.
    for (const old of this.sentAt.keys()) if (old < seq - 32) this.sentAt.delete(old);
    this.options.send(seq);
  }
}
