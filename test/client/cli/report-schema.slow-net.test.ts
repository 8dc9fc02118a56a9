/**
 * Real reports against the published JSON Schemas: the --json documents of real CLI runs on
 * loopback (a demo, a discover through the userspace emulator with its verification, a verify
 * hold, and the documents of runs that could not reach their reflector), each validated with ajv.
 * And the verify schema's strictness on a real document. Slow (real time, about 15 s; the runs go
 * concurrently). Loopback only, port 0; each child killed by teardown and by its own deadline.
 */
import { describe, expect, it } from 'vitest';
import { closedPort, startStack } from '../../helpers/loopback-stack.js';
import { spawnCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';
import { schemaErrors } from '../../helpers/report-schema.js';
import { parseOneDocument } from './error-document.js';

const Q = ['--quiet', '-j', '--connections', '8'];

describe.concurrent('real reports against the JSON Schemas', () => {
  it("a demo's report", { timeout: 100_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const result = await spawnCli(defer, ['demo', '--timeout', '1.5', ...Q], 85_000).exit(80_000);
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
    const doc = parseOneDocument(result.stdout) as { demo?: { found: boolean }; verification: unknown };
    expect(schemaErrors('report', doc)).toEqual([]);
    expect(doc.demo?.found, 'found the emulated 1.5 s').toBe(true);
    expect(doc.verification, 'with its verification').not.toBeNull();
  });

  it(
    'a discover report through the emulator, with its verification',
    { timeout: 100_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { front } = await startStack(defer, { mode: 'drop', timeoutMs: 2000 });
      const address = `${front.host}:${front.port}`;
      const result = await spawnCli(defer, ['discover', address, '--max', '6s', ...Q], 85_000).exit(80_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      const doc = parseOneDocument(result.stdout) as { timeout: { eviction: string } | null };
      expect(schemaErrors('report', doc)).toEqual([]);
      expect(doc.timeout?.eviction, 'the emulator dropped the connections').toBe('silent-drop');
    },
  );

  it('a verify report of a held heartbeat', { timeout: 100_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const { front } = await startStack(defer, { mode: 'drop', timeoutMs: 2000 });
    const args = [
      'verify',
      `${front.host}:${front.port}`,
      '--heartbeat',
      '1',
      '--timeout',
      '2s',
      '-j',
      '--quiet',
    ];
    const result = await spawnCli(defer, args, 85_000).exit(80_000);
    const doc = parseOneDocument(result.stdout) as Record<string, unknown>;
    expect(schemaErrors('verify-report', doc)).toEqual([]);
    // The verdict is not what is tested here (under load, an in-process emulator on a busy event
    // loop can see a 1 s heartbeat late): the exit code must agree with the document's verdict.
    const exitOf: Record<string, number> = { proven: 0, failed: 4, inconclusive: 6 };
    expect(result.code, `exit code for verdict ${String(doc.verdict)} (stderr: ${result.stderr})`).toBe(
      exitOf[String(doc.verdict)],
    );

    // The same document, spoiled: the verify schema is as strict as the discover one.
    const wrongType = { ...doc, elapsed_s: String(doc.elapsed_s) };
    expect(schemaErrors('verify-report', wrongType), 'a wrong type').toContain('/elapsed_s must be number');
    const missing = { ...doc };
    delete missing.hold;
    expect(schemaErrors('verify-report', missing), 'a missing field').toContain(
      "(top) must have required property 'hold'",
    );
    const badVerdict = { ...doc, verdict: 'probably' };
    expect(schemaErrors('verify-report', badVerdict), 'a verdict that is not one').toContain(
      '/verdict must be equal to one of the allowed values',
    );
  });

  it(
    'the documents of runs that could not reach their reflector',
    { timeout: 100_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const address = `127.0.0.1:${await closedPort()}`;
      const [discover, verify] = await Promise.all([
        spawnCli(defer, ['discover', address, '-j', '--quiet'], 25_000).exit(20_000),
        spawnCli(
          defer,
          ['verify', address, '--heartbeat', '5', '--hold', '1m', '-j', '--quiet'],
          25_000,
        ).exit(20_000),
      ]);
      expect(discover.code, `discover exit code (stderr: ${discover.stderr})`).toBe(3);
      expect(verify.code, `verify exit code (stderr: ${verify.stderr})`).toBe(3);
      expect(schemaErrors('report', parseOneDocument(discover.stdout)), 'discover').toEqual([]);
      expect(schemaErrors('verify-report', parseOneDocument(verify.stdout)), 'verify').toEqual([]);
    },
  );
});
