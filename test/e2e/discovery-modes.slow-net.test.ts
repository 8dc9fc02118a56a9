/**
 * End to end on loopback, in-process: runDiscovery → userspace middlebox emulator → Reflector, real
 * sockets on port 0, for every emulator mode and two timeouts that are not round numbers. Slow
 * (real time): the runs go concurrently, about 10 s (loose settles once outbound survived past
 * the inbound bracket; before settling it ran to --max, about 40 s).
 *
 * What each mode must show, per direction (see client/demo/middlebox-emulator.ts):
 *
 *   mode    inbound (reflector pushes)     outbound (client pings)
 *   drop    silent-drop                    silent-drop
 *   reset   silent-drop (server bytes are  reset
 *           discarded, nothing answers)
 *   close   close (FIN at T)               close
 *   loose   reset (the server's push is    survives (each ping re-creates the mapping),
 *           answered by an RST there)      followed until past the inbound bracket
 */
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../client/discovery/discovery-run.js';
import type { MiddleboxMode } from '../../client/demo/middlebox-emulator.js';
import type { Direction, EvictionKind } from '../../client/search/types.js';
import { hasIpv6Loopback, startStack } from '../helpers/loopback-stack.js';
import { loopbackDiscovery } from '../helpers/loopback-discovery.js';
import { useTeardown, within } from '../helpers/teardown.js';
import { expectBracketAround } from '../helpers/expect-bracket.js';

const EXPECTED: Record<MiddleboxMode, Record<Direction, EvictionKind | 'survives-to-max'>> = {
  drop: { inbound: 'silent-drop', outbound: 'silent-drop' },
  reset: { inbound: 'silent-drop', outbound: 'reset' },
  close: { inbound: 'close', outbound: 'close' },
  loose: { inbound: 'reset', outbound: 'survives-to-max' },
};

const ipv6 = await hasIpv6Loopback();

interface Case {
  mode: MiddleboxMode;
  timeoutS: number;
  host: string;
}

/** Longest first: vitest runs at most 5 concurrent tests at once (maxConcurrency). */
const CASES: Case[] = (['loose', 'drop', 'reset', 'close'] as const).flatMap((mode) =>
  [3.7, 2.5].map((timeoutS) => ({ mode, timeoutS, host: '127.0.0.1' })),
);

describe.concurrent('discovery end to end through the middlebox emulator', () => {
  const run = async (c: Case, onTestFinished: Parameters<typeof useTeardown>[0]): Promise<void> => {
    const defer = useTeardown(onTestFinished);
    const timeoutMs = c.timeoutS * 1000;
    const maxS = 3 * c.timeoutS;
    const { emulator, front } = await startStack(defer, { mode: c.mode, timeoutMs, host: c.host });
    const stop = new AbortController();
    defer(() => stop.abort());
    // 16 connections (8 per direction), --max 3 T, default grace and resolution.
    const { report, end } = await within(
      runDiscovery(loopbackDiscovery(front, maxS, stop.signal)),
      75_000,
      `discovery through ${c.mode} at T = ${c.timeoutS} s`,
    );
    expect(end, 'the run completed').toBe('complete');
    expect(report.aborted, 'nothing aborted the run').toBeNull();
    expect(report.connectionsUsed, 'connections were opened').toBeGreaterThan(0);
    for (const direction of ['inbound', 'outbound'] as const) {
      const result = report.directions[direction];
      const label = `${c.mode} T=${c.timeoutS} s ${direction}`;
      expect(result, `${label}: tested`).toBeDefined();
      const expected = EXPECTED[c.mode][direction];
      if (expected === 'survives-to-max') {
        expect(result!.evictedMs, `${label}: never evicted (${JSON.stringify(result!.notes)})`).toBeNull();
        expect(result!.eviction, `${label}: no eviction kind`).toBeNull();
        // Settled (the default): followed until it survived past the dying direction's bracket, not
        // to --max (client/search/settle.ts).
        const dying = report.directions[direction === 'inbound' ? 'outbound' : 'inbound'];
        expect(result!.survivedMs, `${label}: survived past the other's bracket`).toBeGreaterThanOrEqual(
          dying?.evictedMs as number,
        );
        expect(
          result!.findings.some((f) => f.kind === 'settled'),
          `${label}: settled (${JSON.stringify(result!.findings)})`,
        ).toBe(true);
      } else {
        expectBracketAround(result!, timeoutMs, label);
        expect(result!.eviction, `${label}: eviction kind`).toBe(expected);
      }
    }
    const stats = emulator.stats();
    expect(stats.evicted, 'the emulator evicted mappings').toBeGreaterThan(0);
    if (c.mode === 'loose')
      expect(stats.recreated, 'outbound pings re-created evicted mappings').toBeGreaterThan(0);
  };

  for (const c of CASES) {
    it(`${c.mode} at T = ${c.timeoutS} s`, { timeout: 80_000 }, ({ onTestFinished }) =>
      run(c, onTestFinished),
    );
  }

  it.skipIf(!ipv6)(
    `drop at T = 2.5 s over IPv6 loopback [::1]${ipv6 ? '' : ' (skipped: ::1 cannot be bound here)'}`,
    { timeout: 80_000 },
    ({ onTestFinished }) => run({ mode: 'drop', timeoutS: 2.5, host: '::1' }, onTestFinished),
  );
});
