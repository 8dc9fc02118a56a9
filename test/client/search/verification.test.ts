import { describe, expect, it } from 'vitest';
import type { Bracket } from '../../../client/search/bracket.js';
import {
  PIPELINED_BELOW_MS,
  planVerification,
  stepMs,
  verificationFor,
  verifiedNow,
  verifyRounds,
  withBatch,
  type Verification,
  type VerificationInput,
} from '../../../client/search/verification.js';
import { diedIdle, LIMITS, S, tests } from './pass-fixtures.js';
import type { TestRecord } from '../../../client/search/pass-record.js';

const NARROW: Bracket = { loMs: 299.5 * S, hiMs: 300.5 * S, eviction: 'silent-drop', contradictions: 0 };
/** The step at 300.5 s: 1% of it, which is also the resolution there. */
const STEP = 3005;

function input(
  records: TestRecord[],
  nowMs: number,
  extra: Partial<VerificationInput> = {},
): VerificationInput {
  return { bracket: NARROW, records, lossSuspects: 0, pending: false, nowMs, limits: LIMITS, ...extra };
}

describe('planVerification', () => {
  it('starts a verification of the bracket: an anchor just above hi and two tests deep below lo', () => {
    const plan = planVerification(null, input([], 1000 * S));
    expect(stepMs(LIMITS.resolutionMs, 300.5 * S)).toBe(STEP);
    expect(plan.state).toEqual({ loMs: NARROW.loMs, hiMs: NARROW.hiMs, batches: new Map() });
    expect(plan.wakeAtMs).toBeNull();
    expect(plan.targets).toEqual([
      { atMs: 300.5 * S, untilMs: 300.5 * S + STEP / 2, anchor: true },
      { atMs: 299.5 * S - STEP / 2, untilMs: 299.5 * S - 300 },
      { atMs: 299.5 * S - STEP / 4, untilMs: 299.5 * S - 300 },
    ]);
  });

  it('keeps its batches one step apart, and waits for a pending probe', () => {
    const started = withBatch(verificationFor(null, NARROW, STEP), 4, 1000 * S);
    const soon = planVerification(started, input([], 1001 * S));
    expect(soon.targets).toEqual([]);
    expect(soon.wakeAtMs, 'the next batch is due a step after the last').toBe(1000 * S + STEP);
    expect(planVerification(started, input([], 1000 * S + STEP)).targets).toHaveLength(3);
    const pending = planVerification(started, input([], 1010 * S, { pending: true }));
    expect(pending).toEqual({ state: started, targets: [], wakeAtMs: null });
  });

  it('pipelines a clean pass below PIPELINED_BELOW_MS: batches 2% of hi apart, pending or not', () => {
    // T = 5 s: a step is the resolution's 1 s floor (20% of T), the watch 2% of hi (0.1 s).
    const short: Bracket = { loMs: 4.88 * S, hiMs: 5.12 * S, eviction: 'silent-drop', contradictions: 0 };
    const cadence = 0.02 * 5.12 * S;
    const started = withBatch(verificationFor(null, short, 1000), 4, 10 * S);
    const at = (nowMs: number, extra: Partial<VerificationInput>): ReturnType<typeof planVerification> =>
      planVerification(started, input([], nowMs, { bracket: short, pending: true, ...extra }));
    const early = at(10 * S + cadence / 2, { pipelined: true });
    expect(early.targets).toEqual([]);
    expect(early.wakeAtMs, 'the next batch is due at the watch cadence').toBeCloseTo(10 * S + cadence, 6);
    expect(at(10 * S + cadence, { pipelined: true }).targets, 'due while batch 4 is pending').toHaveLength(3);
    const careful = at(10 * S + cadence, { pipelined: false });
    expect(careful, 'a pass with a hint of noise waits for its answers').toEqual({
      state: started,
      targets: [],
      wakeAtMs: null,
    });
    expect(
      at(10 * S + 1000, { pending: false, pipelined: false }).targets,
      'and then keeps a whole step (1 s) between batches',
    ).toHaveLength(3);
    expect(at(10 * S + cadence, { pending: false, pipelined: false }).targets).toEqual([]);
  });

  it('keeps a step between batches above PIPELINED_BELOW_MS, even in a clean pass', () => {
    const long: Bracket = { ...NARROW, loMs: 59.5 * S, hiMs: PIPELINED_BELOW_MS + 500 };
    const step = stepMs(LIMITS.resolutionMs, long.hiMs as number);
    const started = withBatch(verificationFor(null, long, step), 4, 100 * S);
    const pending = planVerification(
      started,
      input([], 100 * S + step, { bracket: long, pending: true, pipelined: true }),
    );
    expect(pending.targets, 'waits for the pending answers').toEqual([]);
    const soon = planVerification(started, input([], 100 * S + 500, { bracket: long, pipelined: true }));
    expect(soon.wakeAtMs).toBe(100 * S + step);
  });

  it('is done once enough batches saw the eviction at hi again, spread over 2% of hi in time', () => {
    const start = verificationFor(null, NARROW, STEP);
    const records = [...tests(4, 1000, '299+ 300.6x'), ...tests(5, 1004, '299+ 300.7x')];
    const close = withBatch(withBatch(start, 4, 1000 * S), 5, 1004 * S);
    expect(
      planVerification(close, input(records, 1020 * S)).targets,
      'two batches 4 s apart, not 6 s',
    ).toHaveLength(3);
    records.push(...tests(6, 1007, '299+ 300.6x'));
    const apart = withBatch(withBatch(start, 4, 1000 * S), 6, 1007 * S);
    const done = planVerification(apart, input(records, 1020 * S));
    expect(done.targets, 'two confirmations 7 s apart').toBeNull();
    expect(done.state, 'the same verification, kept').toEqual(apart);
    expect(
      planVerification(apart, input(records, 1020 * S, { lossSuspects: 1 })).targets,
      'a suspected lost probe asks for a third confirmation',
    ).toHaveLength(3);
  });

  it('needs no verification above --max, nor of a close the middlebox sent twice by itself', () => {
    const atMax = { ...NARROW, loMs: LIMITS.maxMs };
    expect(planVerification(null, input([], 1000 * S, { bracket: atMax }))).toEqual({
      state: null,
      targets: null,
      wakeAtMs: null,
    });
    const closes = [diedIdle(300.5, 500), diedIdle(300.6, 800)];
    expect(planVerification(null, input(closes, 1000 * S)).targets).toBeNull();
  });
});

describe('verificationFor', () => {
  it('keeps the batches of a bracket that moved by less than half a step, taking the lower hi', () => {
    const v: Verification = withBatch(verificationFor(null, NARROW, STEP), 4, 1000 * S);
    const moved = verificationFor(v, { ...NARROW, hiMs: 300.5 * S - 1000 }, STEP);
    expect(moved).toEqual({ loMs: NARROW.loMs, hiMs: 300.5 * S - 1000, batches: v.batches });
    expect(v.hiMs, 'the verification it was given is left alone').toBe(300.5 * S);
    const elsewhere = verificationFor(v, { ...NARROW, hiMs: 310 * S }, STEP);
    expect(elsewhere.batches.size, 'a bracket that moved further starts afresh').toBe(0);
  });

  it('asks one more round per suspected lost probe, from 2 up to 5', () => {
    expect([0, 1, 3, 10].map(verifyRounds)).toEqual([2, 3, 5, 5]);
  });
});

describe('verifiedNow', () => {
  it('is false before verification began, and says so without starting one', () => {
    expect(verifiedNow(null, input([], 1000 * S))).toEqual({ state: null, verified: false });
  });
});
