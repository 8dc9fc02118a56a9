/**
 * discoverAndReport in-process, on loopback: a run whose signal is aborted with an IdlescopeError
 * (the demo does so when its emulator's thread dies) ends with that error, in the --json document,
 * on stderr and in the exit code, and not as "interrupted". Real sockets, about 1 s.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { discoverAndReport } from '../../../client/cli/discover-and-report.js';
import { EXIT, type CliIo } from '../../../client/cli/cli-io.js';
import type { SearchFlags } from '../../../client/cli/search-flags.js';
import { EmulatorThreadError } from '../../../protocol/errors.js';
import { startReflector } from '../../helpers/loopback-stack.js';
import { loopbackDiscovery } from '../../helpers/loopback-discovery.js';
import { useTeardown, waitFor, within } from '../../helpers/teardown.js';
import { parseErrorDocument } from './error-document.js';

function sink(append: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      append(String(chunk));
      done();
    },
  });
}

const FLAGS: SearchFlags = {
  min: 1,
  max: 60,
  connections: 16,
  direction: 'both',
  json: true,
  quiet: true,
  verify: false,
  full: false,
};

describe('discoverAndReport', () => {
  it('ends with the error a command aborts it with', { timeout: 20_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const { reflector, reflectorAddress } = await startReflector(defer);
    let stdout = '';
    let stderr = '';
    let exitCode: number | null = null;
    const stop = new AbortController();
    defer(() => stop.abort());
    const io: CliIo = {
      stdout: sink((text) => (stdout += text)),
      stderr: sink((text) => (stderr += text)),
      signal: stop.signal,
      setExitCode: (code) => (exitCode = code),
    };
    const run = discoverAndReport(loopbackDiscovery(reflectorAddress, 60), FLAGS, io);
    await waitFor('the session to start', () => reflector.stats().sessions === 1, 5000);
    const failure = new EmulatorThreadError('the emulator thread exited unexpectedly (exit code 1)');
    stop.abort(failure);
    await within(run, 5000, 'the run to end');
    const doc = parseErrorDocument(stdout);
    expect(doc.error, 'the error in the document').toEqual({
      code: 'IDLESCOPE_EMULATOR_THREAD',
      message: failure.message,
    });
    expect(doc.directions.inbound, 'the partial results are kept').not.toBeNull();
    expect(stderr, 'the error on stderr, not "interrupted"').toBe(
      `idlescope: ${failure.message} (partial results above)\n`,
    );
    expect(exitCode, 'the exit code of its code').toBe(EXIT.failure);
  });
});
