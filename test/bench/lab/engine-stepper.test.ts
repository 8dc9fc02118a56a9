/**
 * The k-ary lab driver's loop (bench/lab/engine-stepper.ts) over a fake path on fake timers: the
 * path plays a sharp silent-drop timeout with the virtual driver's timing model, so the stepped
 * k-ary rounds must come out as the simulation of the same engine does.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProbeSlotsOwner } from '../../../client/discovery/probe-slots.js';
import { defaultResolutionMs } from '../../../client/search/search-config.js';
import type { ConnId, Direction } from '../../../client/search/types.js';
import { EngineStepper, type ProbePath } from '../../../bench/lab/engine-stepper.js';
import { SharpTimeout } from '../../../bench/simulation/middlebox-models.js';
import { simulate } from '../../../bench/simulation/virtual-driver.js';
import { KaryRoundsSearch } from '../../../bench/strategies/kary-rounds.js';

const S = 1000;
const RTT_MS = 40;
const GRACE_MS = 1500;

/** Inbound tests through a middlebox that silently drops a connection idle longer than `timeoutMs`. */
class FakeSharpPath implements ProbePath {
  private readonly idleSince = new Map<ConnId, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  opens = 0;
  tests = 0;

  constructor(
    private readonly owner: ProbeSlotsOwner,
    private readonly timeoutMs: number,
  ) {}

  private later(ms: number, then: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.owner.ended()) return;
      then();
    }, ms);
    this.timers.add(timer);
  }

  open(direction: Direction, conn: ConnId): void {
    this.opens++;
    // Handshake, then the hello and the reflector's report of it: idle from two RTTs on.
    this.later(2 * RTT_MS, () => {
      this.idleSince.set(conn, Date.now());
      this.owner.search(direction)?.opened(conn, Date.now());
      this.owner.queueStep(direction);
    });
  }

  test(direction: Direction, conn: ConnId): void {
    this.tests++;
    const testedAtMs = Date.now() + RTT_MS;
    const idle = testedAtMs - (this.idleSince.get(conn) ?? Number.NaN);
    const survived = idle <= this.timeoutMs;
    this.later(survived ? RTT_MS : GRACE_MS + 2 * RTT_MS, () => {
      if (survived) this.idleSince.set(conn, Date.now());
      else this.idleSince.delete(conn);
      const outcome = survived
        ? { survived: true as const }
        : { survived: false as const, how: 'silent-drop' as const };
      this.owner.search(direction)?.outcome(conn, Date.now(), outcome, testedAtMs);
      this.owner.queueStep(direction);
    });
  }

  close(_direction: Direction, conn: ConnId): void {
    this.idleSince.delete(conn);
  }

  discardAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.idleSince.clear();
  }
}

function kary(minS: number, maxS: number): KaryRoundsSearch {
  return new KaryRoundsSearch({
    direction: 'inbound',
    minMs: minS * S,
    maxMs: maxS * S,
    resolutionMs: defaultResolutionMs,
  });
}

describe('EngineStepper: the k-ary rounds over a fake sharp-timeout path', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const { timeoutS, minS, maxS } of [
    { timeoutS: 3, minS: 1, maxS: 10 },
    { timeoutS: 13, minS: 1, maxS: 40 },
    { timeoutS: 37, minS: 10, maxS: 300 },
  ]) {
    it(`T = ${timeoutS} s over ${minS}..${maxS}: the simulation's bracket and wall time`, async () => {
      const T = timeoutS * S;
      const simulated = kary(minS, maxS);
      const stats = simulate([simulated], new SharpTimeout(T, 'drop'), {
        rttMs: RTT_MS,
        graceMs: GRACE_MS,
        limitMs: 3600 * S,
      });
      const expected = simulated.result();

      const engine = kary(minS, maxS);
      let path: FakeSharpPath | null = null;
      const stepper = new EngineStepper(
        engine,
        (owner) => (path = new FakeSharpPath(owner, T)),
        () => Date.now(),
      );
      const startedMs = Date.now();
      let endedMs: number | null = null;
      const run = stepper.run().then((end) => {
        endedMs = Date.now();
        return end;
      });
      await vi.advanceTimersByTimeAsync(3600 * S);
      const end = await run;
      const r = engine.result();
      const label =
        `stepped (${r.survivedMs}, ${r.evictedMs}] vs simulated ` +
        `(${expected.survivedMs}, ${expected.evictedMs}]`;

      expect(end, label).toEqual({ kind: 'finished' });
      expect(r.evictedMs, label).not.toBeNull();
      expect(r.survivedMs ?? 0, label).toBeLessThanOrEqual(T);
      expect(r.evictedMs as number, label).toBeGreaterThanOrEqual(T);
      expect(r.survivedMs as number, label).toBeCloseTo(expected.survivedMs as number, -1);
      expect(r.evictedMs as number, label).toBeCloseTo(expected.evictedMs as number, -1);
      expect(r.notes, label).toEqual(expected.notes);
      expect(path!.opens, 'connections opened').toBe(stats.connectionsOpened);
      expect(path!.tests, 'tests taken').toBe(stats.probesSent);
      // The stepper adds a tick per decision, not time: the wall time is the simulation's.
      expect(Math.abs((endedMs as unknown as number) - startedMs - stats.elapsedMs), label).toBeLessThan(100);
      expect(vi.getTimerCount(), 'no timer left behind').toBe(0);
    });
  }

  it('stop() while rounds run: ends as lost, the engine aborted and every timer cleared', async () => {
    const engine = kary(1, 40);
    const stepper = new EngineStepper(
      engine,
      (owner) => new FakeSharpPath(owner, 13 * S),
      () => Date.now(),
    );
    const run = stepper.run();
    await vi.advanceTimersByTimeAsync(5 * S);
    stepper.stop({ kind: 'lost', reason: 'reflector gone' });
    await expect(run).resolves.toEqual({ kind: 'lost', reason: 'reflector gone' });
    expect(engine.finished, 'the engine is aborted').toBe(true);
    expect(engine.result().notes.join(' '), 'the abort is in the notes').toContain('reflector gone');
    expect(vi.getTimerCount(), 'no timer left behind').toBe(0);
  });
});
