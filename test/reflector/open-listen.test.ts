/**
 * Without a token the reflector listens on loopback only: a public address is refused (exit 2, one
 * line) unless --insecure-open, which warns on stderr at start. The refusal and the warning come
 * before the bind, so these tests bind nothing public: the run is given an aborted signal and
 * returns right after its checks.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { reflectorCommand } from '../../client/cli/reflector-command.js';
import { EXIT, exitCodeFor, type CliIo } from '../../client/cli/cli-io.js';
import { UsageError } from '../../protocol/errors.js';
import { isLoopbackHost, runReflector, type RunReflectorOptions } from '../../reflector/run-reflector.js';

/** Runs runReflector to its checks only (aborted signal); returns its stderr and what it threw. */
async function checks(options: RunReflectorOptions): Promise<{ stderr: string; error: unknown }> {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const stop = new AbortController();
  stop.abort();
  const error = await runReflector(options, { stdout: new PassThrough(), stderr, signal: stop.signal }).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  return { stderr: text, error };
}

describe('reflector listen without a token', () => {
  it.each([
    ['the default [::]', undefined],
    ['0.0.0.0', { host: '0.0.0.0', port: 7000 }],
    ['a public address', { host: '203.0.113.7', port: 7000 }],
  ])('refuses %s with a one-line UsageError (exit 2)', async (_what, listen) => {
    const { error, stderr } = await checks({ listen });
    expect(error, 'a UsageError').toBeInstanceOf(UsageError);
    expect(exitCodeFor(error), 'exit 2').toBe(EXIT.usage);
    const message = (error as UsageError).message;
    expect(message, 'one line').not.toContain('\n');
    expect(message, 'names the fix').toMatch(/--token.*--insecure-open/);
    expect(stderr, 'no warning: it does not start').toBe('');
  });

  it('allows a public address with --insecure-open, warning on stderr at start', async () => {
    const { error, stderr } = await checks({ listen: { host: '0.0.0.0', port: 7000 }, insecureOpen: true });
    expect(error, 'no error').toBeNull();
    expect(stderr, 'the warning').toMatch(
      /warning: --insecure-open: no token, anyone who reaches 0\.0\.0\.0/,
    );
  });

  it('warns even with --quiet', async () => {
    const { stderr } = await checks({ listen: { host: '::', port: 7000 }, insecureOpen: true, quiet: true });
    expect(stderr, 'the warning is not a session log line').toContain('--insecure-open');
  });

  it('allows a public address with a token, without a warning', async () => {
    const { error, stderr } = await checks({ listen: { host: '0.0.0.0', port: 7000 }, token: 's3cret' });
    expect(error, 'no error').toBeNull();
    expect(stderr, 'nothing to warn about').toBe('');
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])(
    'allows loopback %s without a token',
    async (host) => {
      expect(isLoopbackHost(host), 'loopback').toBe(true);
      const { error, stderr } = await checks({ listen: { host, port: 7000 } });
      expect(error, 'no error').toBeNull();
      expect(stderr, 'no warning').toBe('');
    },
  );

  it.each(['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'example.com'])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('refuses from the command line too, and --insecure-open is a flag of the command', async () => {
    const stop = new AbortController();
    stop.abort();
    const io: CliIo = {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      signal: stop.signal,
      setExitCode: () => {},
    };
    const parse = (args: string[]): Promise<unknown> =>
      yargs(['reflector', ...args])
        .command(reflectorCommand(io))
        .fail(false)
        .parseAsync()
        .then(
          () => null,
          (thrown: unknown) => thrown,
        );
    expect(await parse(['--listen', '0.0.0.0:7000']), 'refused').toBeInstanceOf(UsageError);
    expect(await parse(['--listen', '0.0.0.0:7000', '--insecure-open']), 'allowed').toBeNull();
    expect(await parse(['--listen', '0.0.0.0:7000', '--token', 'x']), 'allowed with a token').toBeNull();
  });
});
