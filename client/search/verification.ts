/**
 * Verification: a narrow bracket is believed only after it has been seen again. Batches of tests
 * just below lo and just above hi, one step apart in time. A lost probe fakes an eviction, so the
 * eviction at hi must come back each time (the more probes suspected lost already, the more
 * times); a periodic sweep moves the boundary with the phase of its collector, so a later batch
 * that lands outside (lo, hi] gives it away. A FIN from the middlebox is exact: every connection
 * that reaches T gets one, so it needs no second look.
 *
 *   idle ─►      lo-step/2  lo │ hi  hi+step/2
 *   batch 1          ✓       ✓ │ ✗     ✗          at t
 *   batch 2          ✓       ✓ │ ✗     ✗          at t + step   (a sweep would break this)
 *
 * Pure: the planner takes the verification so far and returns the one to keep.
 */
import type { Bracket } from './bracket.js';
import { SWEEP_MIN_DEPTH_MS } from './evidence.js';
import { CROSSING_TOLERANCE_MS, type PhasePlan, type Target } from './clock-pool.js';
import type { TestRecord } from './pass-record.js';
import type { SearchLimits } from './types.js';

/** Verification and sweep steps: never finer than this fraction of the bound. */
const VERIFY_STEP_FRACTION = 0.01;

/** Verification batches: at least this many, one more per suspected lost probe, at most the maximum. */
const MIN_VERIFY_ROUNDS = 2;
const MAX_VERIFY_ROUNDS = 5;

/** Verification batches span at least this fraction of the bound in time (see `verificationDone`). */
export const VERIFY_WATCH_FRACTION = 0.02;

/**
 * Below this bound, a clean pass verifies in pipelined batches: the next batch goes out at the
 * watch's cadence (2% of hi) without waiting for the last one's answers, until as many are out as
 * verification needs. There a step is the resolution's 1 s floor, up to 20% of T, and waiting for
 * a silent test before each batch cost most of the floor's 1 s allowance: T = 5 s, 256
 * connections, took 8.55 s, now 7.65 s. Longer bounds keep one step (1% of T) between batches,
 * more than a grace, so waiting costs them little; pipelined above 60 s, a 60 s / 5 s sweep ended
 * with its truth outside (1 of 40 runs). Not with any hint of noise either: a batch sent before
 * the last one's answers cannot react to them, and pipelined whatever the evidence, a table of 16
 * ended outside its truth. Launching batches past those needed made 38 of the 400 two-direction
 * runs of the any-T grid up to 0.99 s slower than before pipelining; stopping there, none is.
 */
export const PIPELINED_BELOW_MS = 60_000;

/** The step used above the bracket when verifying and around the zone in a sweep. */
export function stepMs(resolutionMs: (hiMs: number) => number, hiMs: number): number {
  return Math.max(resolutionMs(hiMs), hiMs * VERIFY_STEP_FRACTION);
}

/** The bracket under verification, and its batches: batch -> when launched. */
export interface Verification {
  readonly loMs: number | null;
  readonly hiMs: number;
  readonly batches: ReadonlyMap<number, number>;
}

/**
 * The verification for this bracket: the one under way when the bracket moved by less than half
 * a step (a test a few ms either side of a bound is the same bracket: its batches still count),
 * else a fresh one.
 */
export function verificationFor(current: Verification | null, bracket: Bracket, step: number): Verification {
  const hiMs = bracket.hiMs as number;
  const near = (a: number | null, b: number | null): boolean =>
    a === null ? b === null : b !== null && Math.abs(a - b) < step / 2;
  if (current !== null && near(current.hiMs, hiMs) && near(current.loMs, bracket.loMs))
    return { loMs: bracket.loMs, hiMs: Math.min(current.hiMs, hiMs), batches: current.batches };
  return { loMs: bracket.loMs, hiMs, batches: new Map() };
}

/** The verification with one more batch, launched at `atMs`. */
export function withBatch(verification: Verification, batch: number, atMs: number): Verification {
  return { ...verification, batches: new Map([...verification.batches, [batch, atMs]]) };
}

/** One more round of verification for every probe suspected lost so far, up to a limit. */
export function verifyRounds(lossSuspects: number): number {
  return Math.min(MAX_VERIFY_ROUNDS, MIN_VERIFY_ROUNDS + lossSuspects);
}

/** Verification batches that saw the eviction at hi again (a batch that found no clock is no batch). */
function confirmations(verification: Verification, step: number, records: readonly TestRecord[]): number {
  const confirming = new Set<number>();
  for (const o of records) {
    const near =
      o.idleMs >= verification.hiMs - CROSSING_TOLERANCE_MS && o.idleMs <= verification.hiMs + step;
    if (!o.survived && near && verification.batches.has(o.batch)) confirming.add(o.batch);
  }
  return confirming.size;
}

/**
 * Enough batches saw the eviction at hi again, and they watched the boundary for long enough that
 * a periodic sweep of a few percent of T would have moved it out of the bracket.
 */
export function verificationDone(
  verification: Verification,
  step: number,
  records: readonly TestRecord[],
  lossSuspects: number,
): boolean {
  if (confirmations(verification, step, records) < verifyRounds(lossSuspects)) return false;
  return spansWatch(verification, verification.hiMs);
}

/** The verification's batches were launched over at least the watch (2% of `hiMs`) in time. */
function spansWatch(verification: Verification, hiMs: number): boolean {
  const times = [...verification.batches.values()];
  return Math.max(...times) - Math.min(...times) >= VERIFY_WATCH_FRACTION * hiMs - CROSSING_TOLERANCE_MS;
}

/**
 * Verification and sweep batches keep one step apart in time: while the last batch is less than a
 * step old, when the next one is due; else null.
 */
export function cadenceWakeMs(batchTimesMs: Iterable<number>, step: number, nowMs: number): number | null {
  const lastMs = Math.max(Number.NEGATIVE_INFINITY, ...batchTimesMs);
  return nowMs - lastMs >= step - CROSSING_TOLERANCE_MS ? null : lastMs + step;
}

/** As many batches launched as `verificationDone` asks for, spanning the watch (their answers may be out). */
function enoughLaunched(v: Verification, hiMs: number, lossSuspects: number): boolean {
  return v.batches.size >= verifyRounds(lossSuspects) && spansWatch(v, hiMs);
}

/** What verification needs to know of the pass, now. */
export interface VerificationInput {
  /** The bracket (planVerification: a narrow one, hiMs set). */
  bracket: Bracket;
  records: readonly TestRecord[];
  /** How many tests are suspected lost. */
  lossSuspects: number;
  /** A probe is under way. */
  pending: boolean;
  nowMs: number;
  limits: SearchLimits;
  /**
   * The pass is clean (`isClean`) and no re-check: a narrow bracket below PIPELINED_BELOW_MS may
   * be verified in pipelined batches.
   */
  pipelined?: boolean;
}

/** Where verification tests now, and the verification to keep. */
export function planVerification(
  current: Verification | null,
  { bracket, records, lossSuspects, pending, nowMs, limits, pipelined = false }: VerificationInput,
): PhasePlan<Verification | null> {
  const hiMs = bracket.hiMs as number;
  const done = (state: Verification | null): PhasePlan<Verification | null> => ({
    state,
    targets: null,
    wakeAtMs: null,
  });
  if (bracket.loMs !== null && bracket.loMs >= limits.maxMs) return done(current);
  const spontaneousCloses = records.filter(
    (o) => o.spontaneous && o.how === 'close' && o.idleMs >= hiMs,
  ).length;
  if (spontaneousCloses >= 2) return done(current);
  const step = stepMs(limits.resolutionMs, hiMs);
  const verification = verificationFor(current, bracket, step);
  if (verificationDone(verification, step, records, lossSuspects)) return done(verification);
  const short = pipelined && hiMs < PIPELINED_BELOW_MS;
  // A pending batch is waited for, unless pipelined and more batches are needed (more than those
  // would only keep the search waiting for them).
  if (pending && (!short || enoughLaunched(verification, hiMs, lossSuspects)))
    return { state: verification, targets: [], wakeAtMs: null };
  const cadence = short ? VERIFY_WATCH_FRACTION * hiMs : step;
  const dueMs = cadenceWakeMs(verification.batches.values(), cadence, nowMs);
  if (dueMs !== null) return { state: verification, targets: [], wakeAtMs: dueMs };
  const targets: Target[] = [{ atMs: hiMs, untilMs: hiMs + step / 2, anchor: true }];
  if (bracket.loMs !== null) {
    // Two tests below lo, deep enough that a death there is evidence of a sweep rather than
    // timing noise (`judge`): one step/2 below, as before, and one nearer, because a long
    // sweep's boundary dips a little below lo at many of its phases but that far at few.
    // Both are pushed even where they coincide (lo near --min, or a step under 2.4 s): the number
    // of targets also sizes how many fresh clocks `retireStale` keeps ready, and the measured
    // tables were made with two.
    const untilMs = bracket.loMs - SWEEP_MIN_DEPTH_MS;
    for (const depth of [step / 2, step / 4]) {
      const atMs = Math.max(limits.minMs, Math.min(bracket.loMs - depth, untilMs - SWEEP_MIN_DEPTH_MS));
      targets.push(
        atMs < untilMs
          ? { atMs, untilMs }
          : {
              atMs: Math.max(limits.minMs, bracket.loMs - step / 2),
              untilMs: bracket.loMs + CROSSING_TOLERANCE_MS,
            },
      );
    }
  }
  return { state: verification, targets, wakeAtMs: null };
}

/**
 * Whether the bracket is verified, for freeing clocks past it, and the verification to keep (the
 * bracket may have moved since: `verificationFor`). Nothing is verified before verification began.
 */
export function verifiedNow(
  current: Verification | null,
  { bracket, records, lossSuspects, limits }: VerificationInput,
): { state: Verification | null; verified: boolean } {
  if (bracket.hiMs === null || current === null) return { state: current, verified: false };
  const step = stepMs(limits.resolutionMs, bracket.hiMs);
  const state = verificationFor(current, bracket, step);
  return { state, verified: verificationDone(state, step, records, lossSuspects) };
}
