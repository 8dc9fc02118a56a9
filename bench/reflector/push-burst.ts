/**
 * The push burst: 1,000 pushes asked for within one second over the fleet's control channels
 * (10 every 10 ms, each on a different idle probe while there are enough), with the reflector's
 * event-loop delay recorded in its own process from just before the first push (or earlier, see
 * pushBurst) until the last 'pushed' came back (or ACK_LIMIT_MS passed).
 *
 * Accuracy: the schedule is kept against performance.now() on the parent's loop; `sentWithinMs`
 * says how long sending really took, so a late parent is visible rather than hidden in the lag.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { REPLY_LIMIT_MS, type BenchChild } from './bench-child.js';
import type { IdleFleet } from './idle-fleet.js';
import type { LagSummary, ReflectorChildIn, ReflectorChildOut } from './reflector-child.js';

export const BURST_PUSHES = 1000;
export const BURST_WINDOW_MS = 1000;
const TICK_MS = 10;
/** The last 'pushed' must come back within this, else the burst counts what did. */
const ACK_LIMIT_MS = 30_000;

export interface BurstResult {
  pushes: number;
  /** From the first push sent to the last one sent. */
  sentWithinMs: number;
  /** 'pushed' events heard back. */
  acknowledged: number;
  /** From the first push sent to the last 'pushed' heard (or the limit). */
  acknowledgedWithinMs: number;
  /** The reflector's event-loop delay over the burst. */
  lag: LagSummary;
  /**
   * How long the reflector's process took to answer the request that ended the burst (an IPC round
   * trip, under a millisecond when idle): its responsiveness, where the histogram weighs a long
   * stall as one sample among thousands.
   */
  replyMs: number;
}

type ReflectorChild = BenchChild<ReflectorChildIn, ReflectorChildOut>;

/** Starts the reflector's lag histogram (a fresh one); resolves once it runs. */
export async function startLag(reflector: ReflectorChild): Promise<void> {
  reflector.send({ type: 'lag-start' });
  await reflector.expect('lag-started', REPLY_LIMIT_MS);
}

/**
 * Runs the burst. The lag histogram is started here unless `lagStarted` says the caller started
 * it earlier (beside the flood it is started before the flood, because once the flood runs the
 * reflector's process may take tens of seconds to hear the request); it is stopped here.
 */
export async function pushBurst(
  fleet: IdleFleet,
  reflector: ReflectorChild,
  firstProbe = 0,
  lagStarted = false,
): Promise<BurstResult> {
  if (!lagStarted) await startLag(reflector);
  const base = fleet.pushed;
  const ticks = BURST_WINDOW_MS / TICK_MS;
  const perTick = Math.ceil(BURST_PUSHES / ticks);
  const started = performance.now();
  let sent = 0;
  for (let t = 0; t < ticks && sent < BURST_PUSHES; t++) {
    const due = started + t * TICK_MS - performance.now();
    if (due > 0) await sleep(due);
    for (let k = 0; k < perTick && sent < BURST_PUSHES; k++) fleet.push(firstProbe + sent++);
  }
  const sentWithinMs = performance.now() - started;
  await fleet.pushedReaches(base + BURST_PUSHES, ACK_LIMIT_MS);
  const acknowledgedWithinMs = performance.now() - started;
  const asked = performance.now();
  reflector.send({ type: 'lag-stop' });
  const { lag } = await reflector.expect('lag', REPLY_LIMIT_MS);
  const replyMs = Math.round(performance.now() - asked);
  return {
    pushes: sent,
    sentWithinMs: Math.round(sentWithinMs),
    acknowledged: fleet.pushed - base,
    acknowledgedWithinMs: Math.round(acknowledgedWithinMs),
    lag,
    replyMs,
  };
}
