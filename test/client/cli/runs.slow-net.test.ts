/**
 * Whole runs of the real CLI as a child process: the JSON document, the demo (JSON and human), a
 * reflector that dies mid-run (exit 3, partial report with its error) and Ctrl-C (exit 130, partial
 * report).
 * Slow (real time, about 20 s; the five run concurrently). Reflectors and emulators that are not
 * under test live in this process on 127.0.0.1 port 0.
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonReport } from '../../../client/report/report.js';
import { startStack } from '../../helpers/loopback-stack.js';
import { spawnCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';
import {
  COST_KEYS,
  DIRECTION_KEYS,
  RECOMMENDATION_KEYS,
  TIMEOUT_KEYS,
  TOP_KEYS,
} from '../../helpers/report-keys.js';
import { parseOneDocument } from './error-document.js';
import { schemaErrors } from '../../helpers/report-schema.js';

/** See test/e2e/discovery-modes.slow-net.test.ts: event-loop latency between the two idle clocks. */
const SLACK_S = 0.15;

/**
 * stdout must be exactly one JSON document (schema 1), pretty-printed, and a newline; `error` is
 * there only when the run failed.
 */
function parseReport(stdout: string, failed = false, demo = false): JsonReport {
  const report = parseOneDocument(stdout) as JsonReport;
  expect(schemaErrors('report', report), 'valid by schema/report.schema.json').toEqual([]);
  expect(Object.keys(report).sort(), 'top-level keys of schema 1').toEqual(
    [...TOP_KEYS, ...(failed ? ['error'] : []), ...(demo ? ['demo'] : [])].sort(),
  );
  expect(report.schema, 'schema').toBe(1);
  expect(report.transport, 'transport').toBe('tcp');
  // Null where nothing was evicted (a run stopped early, say).
  if (report.timeout !== null) {
    expect(Object.keys(report.timeout).sort(), 'timeout keys').toEqual([...TIMEOUT_KEYS].sort());
  }
  expect(Object.keys(report.directions).sort(), 'directions keys').toEqual(['inbound', 'outbound']);
  for (const direction of ['inbound', 'outbound'] as const) {
    const result = report.directions[direction];
    expect(result, `${direction} was tested`).not.toBeNull();
    expect(Object.keys(result!).sort(), `${direction} keys`).toEqual([...DIRECTION_KEYS].sort());
  }
  expect(Object.keys(report.recommendation).sort(), 'recommendation keys').toEqual(
    [...RECOMMENDATION_KEYS].sort(),
  );
  // A keepalive only where a timeout was found for it to beat; else none at all (never a guess).
  const beat = report.timeout !== null;
  for (const key of ['keepalive_idle_s', 'keepalive_interval_s', 'keepalive_count', 'heartbeat_s'] as const) {
    const value = report.recommendation[key];
    expect(
      beat ? Number.isInteger(value) && (value as number) > 0 : value === null,
      `recommendation.${key} is ${beat ? 'a positive whole number' : 'null'} (${JSON.stringify(value)})`,
    ).toBe(true);
  }
  expect(Object.keys(report.cost).sort(), 'cost keys').toEqual([...COST_KEYS].sort());
  for (const key of COST_KEYS as (keyof JsonReport['cost'])[]) {
    expect(
      Number.isInteger(report.cost[key]) && report.cost[key] > 0,
      `cost.${key} is a positive whole number (${JSON.stringify(report.cost)})`,
    ).toBe(true);
  }
  expect(report.cost.connections_opened, 'cost counts the connections reported used').toBe(
    report.connections_used,
  );
  return report;
}

function expectBracketAround(report: JsonReport, timeoutS: number): void {
  for (const direction of ['inbound', 'outbound'] as const) {
    const result = report.directions[direction]!;
    const facts = `${direction}: ${JSON.stringify(result)}`;
    expect(result.survived_s, `${facts}: survived below T`).not.toBeNull();
    expect(result.evicted_s, `${facts}: evicted at or above T`).not.toBeNull();
    expect(result.survived_s!, `${facts}: survived below T`).toBeLessThanOrEqual(timeoutS + SLACK_S);
    expect(result.evicted_s!, `${facts}: evicted at or above T`).toBeGreaterThanOrEqual(timeoutS - SLACK_S);
    expect(result.evicted_s! - result.survived_s!, `${facts}: within the 1 s resolution`).toBeLessThanOrEqual(
      1 + SLACK_S,
    );
    expect(result.eviction, `${facts}: the emulator drops silently`).toBe('silent-drop');
  }
}

describe.concurrent('idlescope runs', () => {
  it(
    'discover --json prints exactly one schema-1 document on stdout, progress on stderr',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { front } = await startStack(defer, { mode: 'drop', timeoutMs: 2500 });
      const reflector = `${front.host}:${front.port}`;
      const cli = spawnCli(
        defer,
        ['discover', '--reflector', reflector, '--json', '--connections', '16', '--max', '7.5'],
        55_000,
      );
      const result = await cli.exit(50_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      const report = parseReport(result.stdout);
      expect(report.reflector, 'the reflector as given').toBe(reflector);
      expect(report.aborted, 'not aborted').toBeNull();
      expectBracketAround(report, 2.5);
      expect(result.stderr, 'progress went to stderr').toMatch(/^idlescope: (\d+[hms] ?)+ elapsed, /m);
    },
  );

  it(
    'demo --timeout 3 --json finds a bracket around 3 s in both directions',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      // 16 connections and --max 9 keep the run short; the defaults (256, 60 s) are much slower.
      const cli = spawnCli(
        defer,
        ['demo', '--timeout', '3', '--json', '--connections', '16', '--max', '9'],
        55_000,
      );
      const result = await cli.exit(50_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      const report = parseReport(result.stdout, false, true);
      expect(report.aborted, 'not aborted').toBeNull();
      expectBracketAround(report, 3);
      expect(report.demo, 'the demo says it found the T it emulated').toMatchObject({
        emulated_timeout_s: 3,
        mode: 'drop',
        max_s: 9,
        found: true,
      });
    },
  );

  it(
    'demo --timeout 3 prints the recommendation for people',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const cli = spawnCli(
        defer,
        ['demo', '--timeout', '3', '--quiet', '--connections', '16', '--max', '9'],
        55_000,
      );
      const result = await cli.exit(50_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      expect(result.stderr, 'nothing on stderr with --quiet').toBe('');
      const out = result.stdout;
      expect(out, 'the per-direction brackets').toMatch(
        /inbound \(reflector → you\): survives \d\.\d\d s, evicted at \d\.\d\d s — silent drop/,
      );
      expect(out, 'the per-direction brackets').toMatch(
        /outbound \(you → reflector\): survives \d\.\d\d s, evicted at \d\.\d\d s — silent drop/,
      );
      expect(out, 'the recommendation heading').toMatch(
        /^Recommendation \(planned from \d+(\.\d+)? s, the longest idle that survived (inbound|outbound)\):$/m,
      );
      expect(out, 'the keepalive line').toMatch(
        /^ {2}TCP keepalive: idle \d+ s, interval \d+ s, \d+ probes, TCP_USER_TIMEOUT \d+ ms$/m,
      );
      expect(out, 'the heartbeat line').toMatch(/^ {2}or an application heartbeat every \d+ s$/m);
      expect(out, 'ready-to-paste sysctl').toMatch(
        /^ {2}sysctl -w net\.ipv4\.tcp_keepalive_time=\d+\n {2}sysctl -w net\.ipv4\.tcp_keepalive_intvl=\d+\n {2}sysctl -w net\.ipv4\.tcp_keepalive_probes=\d+$/m,
      );
      expect(out, 'no partial-result banner').not.toContain('PARTIAL RESULT');
      expect(out.split('\n').at(-2), 'it ends saying it found the T it emulated').toMatch(
        /^Demo: found the emulated timeout \(3 s, drop\): /,
      );
      expect(out, 'the cost line, packets labelled as an estimate').toMatch(
        /^cost: \d+ connections \(peak \d+\), \d+ probes, \d+(\.\d)? (B|KiB) on probes \+ \d+(\.\d)? (B|KiB) control, about [\d,]+ packets \(estimated\)$/m,
      );
    },
  );

  it(
    'exits 3 with the partial report when the reflector dies mid-run',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const reflector = spawnCli(defer, ['reflector', '--listen', '127.0.0.1:0', '--quiet'], 55_000);
      const [, port] = await reflector.stdoutMatches(
        /^idlescope reflector listening on 127\.0\.0\.1:(\d+)\n$/,
        10_000,
      );
      const address = `127.0.0.1:${port}`;
      // Nothing evicts here: whatever the report says was evicted would be the reflector's death misread.
      const discover = spawnCli(
        defer,
        ['discover', '--reflector', address, '--json', '--connections', '16', '--max', '60'],
        55_000,
      );
      await discover.stderrMatches(/elapsed/, 15_000);
      await sleep(1500); // past the first tests at 1 s idle
      reflector.child.kill('SIGKILL');
      const result = await discover.exit(8000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(3);
      const report = parseReport(result.stdout, true);
      expect(report.reflector, 'names the reflector').toBe(address);
      expect(report.aborted, 'says why it stopped').toMatch(/control channel/);
      expect(report.error, 'the error: code and message').toEqual({
        code: 'IDLESCOPE_REFLECTOR_LOST',
        message: `lost the reflector ${address}: ${report.aborted}`,
      });
      for (const direction of ['inbound', 'outbound'] as const) {
        const partial = report.directions[direction]!;
        expect(
          partial.survived_s,
          `${direction}: what survived before the loss is kept`,
        ).toBeGreaterThanOrEqual(1);
        expect(
          partial.evicted_s,
          `${direction}: the reflector's own FINs are no eviction (${JSON.stringify(partial)})`,
        ).toBeNull();
        expect(
          partial.notes.some((note) => note.startsWith('stopped early')),
          `${direction}: a note says it stopped early`,
        ).toBe(true);
      }
      const lastLine = result.stderr.trim().split('\n').at(-1);
      expect(lastLine, 'a clear last line on stderr').toMatch(
        new RegExp(
          `^idlescope: lost the reflector ${address.replaceAll('.', '\\.')}: ` +
            `control channel .* \\(partial results above\\)$`,
        ),
      );
    },
  );

  it('prints the partial report and exits 130 on SIGINT', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const { reflector, reflectorAddress } = await startStack(defer, { mode: 'drop', timeoutMs: 60_000 });
    const address = `${reflectorAddress.host}:${reflectorAddress.port}`;
    const discover = spawnCli(
      defer,
      ['discover', '--reflector', address, '--connections', '8', '--max', '60'],
      55_000,
    );
    await discover.stderrMatches(/elapsed/, 15_000);
    await sleep(1000);
    expect(reflector.stats().sessions, 'the run is under way').toBe(1);
    discover.child.kill('SIGINT');
    const result = await discover.exit(5000);
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(130);
    expect(result.stdout.split('\n')[0], 'the answer first: none yet').toMatch(
      /^No answer yet: the run ended after \d+\.\d+ s \(interrupted\), before any eviction$/,
    );
    expect(result.stdout, 'the report header').toMatch(
      new RegExp(`^idlescope: ${address.replaceAll('.', '\\.')} over TCP`, 'm'),
    );
    expect(result.stdout, 'marked partial').toContain('PARTIAL RESULT: the run ended early (interrupted).');
    expect(result.stdout, 'with what was learned').toMatch(
      /inbound \(reflector → you\): survives \d+\.\d+ s, no eviction up to that/,
    );
    expect(result.stderr.trim().split('\n').at(-1), 'says so on stderr').toBe(
      'idlescope: interrupted (partial results above)',
    );
    await sleep(300);
    expect(reflector.stats().sessions, 'the session was ended politely').toBe(0);
  });
});
