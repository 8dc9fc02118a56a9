/**
 * `npm run bench:reflector -- --quick --json` end to end (a few hundred real loopback probes, the
 * reflector and the abusive client in child processes): one JSON document on stdout, of the
 * documented shape, with sane figures. Wall-clock speed is not asserted (the targets' verdicts are
 * the bench's to report, not this test's). Plus the pure bracket comparison the verdict rests on.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { CapacityReport } from '../../bench/reflector/capacity-run.js';
import { QUICK_CONNECTIONS } from '../../bench/reflector/capacity-run.js';
import { sameBracket } from '../../bench/reflector/capacity-targets.js';
import { CliProcess, REPO_ROOT } from '../helpers/cli.js';
import { useTeardown } from '../helpers/teardown.js';

const BENCH_LIMIT_MS = 150_000;

describe('sameBracket', () => {
  it('holds for overlapping brackets that both evicted, and not otherwise', () => {
    const a = { survivedS: 2.6, evictedS: 3.3 };
    expect(sameBracket(a, { survivedS: 2.7, evictedS: 3.4 }), 'overlapping').toBe(true);
    expect(sameBracket(a, { survivedS: 3.3, evictedS: 4.0 }), 'touching only at 3.3').toBe(false);
    expect(sameBracket(a, { survivedS: 9, evictedS: null }), 'one never evicted').toBe(false);
    expect(sameBracket(a, null), 'one direction missing').toBe(false);
    expect(sameBracket(null, null), 'both missing').toBe(true);
  });
});

describe('bench:reflector --quick --json', () => {
  it(
    'prints one JSON document with memory, lag, flood and honest-client figures',
    async () => {
      const defer = useTeardown(onTestFinished);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'bench/reflector/main.ts', '--quick', '--json'],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const bench = new CliProcess(child);
      defer(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await bench.exited;
      });
      const exit = await bench.exit(BENCH_LIMIT_MS);
      expect(exit.code, `exit code (stderr: ${exit.stderr})`).toBe(0);
      const report = JSON.parse(exit.stdout) as CapacityReport;

      expect(report.bench).toBe('reflector-capacity');
      expect(report.quick).toBe(true);
      expect(report.sourceAddresses, 'never 127.0.0.1 as a probe source').toEqual(['127.0.0.2']);
      const { idle } = report;
      expect(idle.asked).toBe(QUICK_CONNECTIONS);
      expect(idle.held, 'connections held = asked').toBe(QUICK_CONNECTIONS);
      expect(idle.after.rss, 'RSS grew with the probes').toBeGreaterThan(idle.before.rss);
      expect(idle.rssPerConnBytes, 'RSS per connection').toBeGreaterThan(0);
      expect(idle.heapPerConnBytes, 'heap per connection').toBeGreaterThan(0);
      // A socket and its records cannot cost less than ~200 bytes nor more than ~1 MiB each.
      expect(idle.rssPerConnBytes as number).toBeLessThan(1024 * 1024);
      expect(idle.heapPerConnBytes as number).toBeGreaterThan(200);

      for (const [label, burst] of [
        ['burst', report.burst],
        ['burst beside the flood', report.burstBesideFlood],
      ] as const) {
        expect(burst.pushes, `${label}: pushes sent`).toBe(1000);
        expect(burst.lag.samples, `${label}: lag samples`).toBeGreaterThan(0);
        expect(burst.lag.p50Ms, `${label}: p50`).toBeGreaterThan(0);
        expect(burst.lag.p99Ms, `${label}: p99 >= p50`).toBeGreaterThanOrEqual(burst.lag.p50Ms);
        expect(burst.lag.maxMs, `${label}: max >= p99`).toBeGreaterThanOrEqual(burst.lag.p99Ms);
        expect(burst.replyMs, `${label}: reply time`).toBeGreaterThanOrEqual(0);
      }
      // Alone, the reflector answers every push; beside the flood how many it answers in time is
      // what the bench measures (today's reflector can answer none), so only the range is checked.
      expect(report.burst.acknowledged, 'burst: every push acknowledged').toBe(1000);
      expect(report.burstBesideFlood.acknowledged).toBeGreaterThanOrEqual(0);
      expect(report.burstBesideFlood.acknowledged).toBeLessThanOrEqual(1000);

      const flood = report.flood.report;
      expect(flood, 'the abuser reported its flood').not.toBeNull();
      expect(flood?.bytesSent, 'flood bytes').toBeGreaterThan(0);
      expect(flood?.bytesSent as number, 'flood within its cap').toBeLessThanOrEqual(
        report.flood.plan.capBytes + 64 * 1024,
      );
      expect(flood?.echoesRead, 'the reflector echoed').toBeGreaterThan(0);

      for (const [label, honest] of [
        ['alone', report.honest.alone],
        ['beside the flood', report.honest.besideFlood],
      ] as const) {
        expect(honest.wallMs, `honest ${label}: wall time`).toBeGreaterThan(0);
        expect(['complete', 'timed-out', 'reflector-lost', 'interrupted', 'failed']).toContain(honest.end);
      }
      // Alone, on an unloaded reflector, the emulator's T = 3 s must be inside both brackets.
      expect(report.honest.alone.end, `alone: ${report.honest.alone.error}`).toBe('complete');
      for (const direction of ['inbound', 'outbound'] as const) {
        const b = report.honest.alone.brackets[direction];
        expect(b?.evictedS ?? 0, `${direction}: evicted at or above T`).toBeGreaterThanOrEqual(3);
        expect(b?.survivedS ?? Infinity, `${direction}: survived below T + 0.2 s`).toBeLessThan(3.2);
      }

      expect(report.targets.map((t) => t.name)).toEqual([
        'idle-rss',
        'burst-lag',
        'burst-lag-beside-flood',
        'honest-beside-flood',
      ]);
      const rss = report.targets[0];
      expect(rss?.projected, 'quick N is projected to 15000').toBe(true);
      expect(typeof rss?.pass).toBe('boolean');
    },
    BENCH_LIMIT_MS + 10_000,
  );
});
