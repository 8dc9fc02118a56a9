/**
 * The k-ary baseline on a real path (bench/lab/kary-over-sockets.ts run by run-lab-case.ts): a
 * nat-strict lab at T = 3 s, the real reflector, the rounds over 1..10 s on real probe connections.
 * Root only, like every lab suite (describeLab: skips with the reason elsewhere, fails on CI).
 */
import { afterAll, expect, it } from 'vitest';
import { describeLab } from '../../lab/describe-lab.js';
import { createLab, labAvailability, type Lab } from '../../lab/lab.js';
import { listLabNamespaces, processPrefix } from '../../lab/namespaces.js';
import { runKaryInLab } from '../../../bench/lab/run-lab-case.js';

const availability = await labAvailability(['nat-strict']);
const unavailable = availability.ok ? null : availability.reason;

const T_S = 3;
const RANGE = { minS: 1, maxS: 10 };
/**
 * How far outside (survived, evicted] T may lie: the discovery suite's 250 ms, for the same reason
 * (every idle is the difference of two stamps taken in a busy event loop; see
 * test/lab/discovery.slow-net.test.ts). The middlebox itself is sharp within a few ms.
 */
const TIMING_TOLERANCE_S = 0.25;
/** Rounds of about T each (three or four at this range), plus the lab and the reflector starting. */
const RUN_TIMEOUT_MS = 60_000;

describeLab('k-ary baseline in the lab (nat-strict, real sockets)', unavailable, () => {
  let lab: Lab | null = null;
  afterAll(async () => {
    await lab?.destroy();
    expect(await listLabNamespaces(processPrefix()), 'namespaces left behind by this run').toEqual([]);
  });

  it(
    `brackets T = ${T_S} s over ${RANGE.minS}..${RANGE.maxS} s within the resolution`,
    async () => {
      lab = await createLab({ scenario: 'nat-strict', timeoutS: T_S });
      const run = await runKaryInLab(lab, RANGE, { timeoutMs: RUN_TIMEOUT_MS });
      const label = JSON.stringify(run);
      expect(run.error, label).toBeNull();
      expect(run.report?.end, label).toBe('finished');
      expect(run.eviction, label).toBe('silent-drop');
      expect(run.evictedS, label).not.toBeNull();
      const survived = run.survivedS ?? 0;
      const evicted = run.evictedS as number;
      expect(survived, `${label}: survived <= T`).toBeLessThanOrEqual(T_S + TIMING_TOLERANCE_S);
      expect(evicted, `${label}: evicted >= T`).toBeGreaterThanOrEqual(T_S - TIMING_TOLERANCE_S);
      // The rounds narrow until the bracket is within the resolution, max(1 s, 1% of T): 1 s here.
      expect(evicted - survived, `${label}: width`).toBeLessThanOrEqual(1);
      // No tool brackets T before T has passed: the rounds took at least T.
      expect(run.runS as number, `${label}: at least T`).toBeGreaterThanOrEqual(T_S);
      expect(run.report?.notes.join(' '), label).toMatch(/\d+ round\(s\) of 20 parallel waits/);
    },
    RUN_TIMEOUT_MS + 30_000,
  );
});
