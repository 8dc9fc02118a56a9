/**
 * Whole `idlescope verify` runs of the real CLI against a reflector on 127.0.0.1 (in this process),
 * which evicts nothing: the exit codes of what cannot be proven (6), of an unreachable reflector
 * (3, with its one JSON document) and of Ctrl-C (130). The evicting paths are in the lab
 * (test/lab/verify.slow-net.test.ts). About 10 s, run concurrently.
 */
import { describe, expect, it } from 'vitest';
import type { JsonVerifyReport } from '../../../client/report/verify-report.js';
import { closedPort, startReflector } from '../../helpers/loopback-stack.js';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';

const parse = (stdout: string): JsonVerifyReport => JSON.parse(stdout) as JsonVerifyReport;

describe.concurrent('idlescope verify runs', () => {
  it(
    'exits 6 (inconclusive) where the control connections survive too',
    { timeout: 30_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { reflectorAddress } = await startReflector(defer);
      const address = `${reflectorAddress.host}:${reflectorAddress.port}`;
      const result = await runCli(
        defer,
        [
          'verify',
          '--reflector',
          address,
          '--heartbeat',
          '1',
          '--hold',
          '2',
          '--connections',
          '2',
          '--json',
          '--quiet',
        ],
        20_000,
      );
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(6);
      const doc = parse(result.stdout);
      expect(doc.verdict).toBe('inconclusive');
      expect(doc.hold?.connections.map((c) => c.test.outcome)).toEqual(['alive', 'alive']);
      expect(doc.hold?.controls.inbound?.outcome, 'the inbound control survived').toBe('alive');
      expect(doc.hold?.directions.inbound).toEqual({ verdict: 'inconclusive', why: 'control-survived' });
      expect(result.stderr, 'nothing on stderr with --quiet').toBe('');
    },
  );

  it(
    '--dead-peer on a path that never drops: exit 6, nothing measured',
    { timeout: 30_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { reflectorAddress } = await startReflector(defer);
      const address = `${reflectorAddress.host}:${reflectorAddress.port}`;
      const args = ['verify', '--reflector', address, '--dead-peer', '--keepalive-idle', '1'];
      const result = await runCli(
        defer,
        [...args, '--keepalive-count', '1', '--hold', '0.5', '--json'],
        20_000,
      );
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(6);
      const doc = parse(result.stdout);
      expect(doc.verdict).toBe('not-dropped');
      expect(doc.dead_peer?.measured_s).toBeNull();
      expect(doc.dead_peer?.predicted_s, 'idle 1 + interval 1 x count 1').toBe(2);
      expect(doc.dead_peer?.pushes_received, 'the reflector pushed all along').toBeGreaterThanOrEqual(3);
      expect(doc.dead_peer?.kernel).toEqual({
        enabled: true,
        idle_s: 1,
        interval_s: 1,
        count: 1,
        user_timeout_ms: 0,
      });
    },
  );

  it(
    'an unreachable reflector: exit 3 and one JSON document with the error',
    { timeout: 20_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const port = await closedPort();
      const result = await runCli(
        defer,
        [
          'verify',
          '--reflector',
          `127.0.0.1:${port}`,
          '--keepalive-idle',
          '5',
          '--timeout',
          '10',
          '--json',
          '--quiet',
        ],
        15_000,
      );
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(3);
      const doc = parse(result.stdout);
      expect(doc.error?.code).toBe('IDLESCOPE_REFLECTOR_UNREACHABLE');
      expect(doc.verdict).toBeNull();
      expect(result.stderr.trim().split('\n'), 'one line on stderr').toHaveLength(1);
    },
  );

  it('exits 130 on SIGINT, with no verdict', { timeout: 30_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const { reflector, reflectorAddress } = await startReflector(defer);
    const address = `${reflectorAddress.host}:${reflectorAddress.port}`;
    const verify = spawnCli(
      defer,
      ['verify', '--reflector', address, '--heartbeat', '5', '--hold', '60', '--json'],
      25_000,
    );
    await verify.stderrMatches(/holding 4 connections/, 15_000);
    await waitForSession(() => reflector.stats().sessions === 1);
    verify.child.kill('SIGINT');
    const result = await verify.exit(5000);
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(130);
    const doc = parse(result.stdout);
    expect(doc.aborted).toBe('interrupted');
    expect(doc.verdict).toBeNull();
  });
});

async function waitForSession(ready: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error('no session within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
