/**
 * How a run stopped by a signal exits, through the real CLI against a loopback reflector: SIGTERM
 * (what a service manager or `timeout` sends) exits 143, SIGINT (Ctrl-C) stays 130, and either way
 * the partial report is printed, for discover and verify alike. The reflector's own graceful drain
 * on SIGTERM exits 0 (test/reflector/shutdown.test.ts). Slow (real time, a few seconds a case, more
 * under load). Loopback only, port 0; every child killed by teardown and by its own deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../client/cli/cli-io.js';
import { startReflector } from '../../helpers/loopback-stack.js';
import { spawnCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';
import { schemaErrors } from '../../helpers/report-schema.js';
import { parseOneDocument } from './error-document.js';

const SIGNALS = [
  { signal: 'SIGTERM', code: EXIT.terminated, number: 143 },
  { signal: 'SIGINT', code: EXIT.interrupted, number: 130 },
] as const;

describe.concurrent('a run stopped by a signal', () => {
  for (const { signal, code, number } of SIGNALS) {
    it(
      `discover: ${signal} exits ${number} with the partial report`,
      { timeout: 90_000 },
      async ({ onTestFinished }) => {
        const defer = useTeardown(onTestFinished);
        const { reflector, reflectorAddress } = await startReflector(defer);
        const address = `${reflectorAddress.host}:${reflectorAddress.port}`;
        const cli = spawnCli(defer, ['discover', address, '-j', '--connections', '8', '--max', '1m'], 85_000);
        await cli.stderrMatches(/elapsed/, 45_000);
        await sleep(1000);
        expect(reflector.stats().sessions, 'the run is under way').toBe(1);
        cli.child.kill(signal);
        const result = await cli.exit(20_000);
        expect(result.signal, 'it exited by itself, not killed by the signal').toBeNull();
        expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(code);
        const doc = parseOneDocument(result.stdout) as { aborted: string | null };
        expect(doc.aborted, 'the report says it was stopped').toBe('interrupted');
        expect(schemaErrors('report', doc), 'a valid report').toEqual([]);
        expect(result.stderr.trim().split('\n').at(-1), 'says so on stderr').toBe(
          'idlescope: interrupted (partial results above)',
        );
      },
    );

    it(
      `verify: ${signal} exits ${number} with its document`,
      { timeout: 90_000 },
      async ({ onTestFinished }) => {
        const defer = useTeardown(onTestFinished);
        const { reflectorAddress } = await startReflector(defer);
        const address = `${reflectorAddress.host}:${reflectorAddress.port}`;
        const cli = spawnCli(defer, ['verify', address, '--heartbeat', '5', '--hold', '1m', '-j'], 85_000);
        await cli.stderrMatches(/^idlescope verify: holding /m, 45_000);
        await sleep(1500);
        cli.child.kill(signal);
        const result = await cli.exit(20_000);
        expect(result.signal, 'it exited by itself, not killed by the signal').toBeNull();
        expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(code);
        const doc = parseOneDocument(result.stdout) as { aborted: string | null; verdict: unknown };
        expect(doc.aborted, 'the document says it was stopped').toBe('interrupted');
        expect(doc.verdict, 'no verdict').toBeNull();
        expect(schemaErrors('verify-report', doc), 'a valid report').toEqual([]);
        expect(result.stderr.trim().split('\n').at(-1), 'says so on stderr').toBe('idlescope: interrupted');
      },
    );
  }
});
