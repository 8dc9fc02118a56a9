/**
 * The command-line habits of iperf3, mtr and curl, through the real CLI: -h, -j for --json (-V is
 * in usage.test.ts), the reflector as discover's and verify's first argument, IDLESCOPE_* defaults
 * (a flag given wins, unrelated variables are ignored, the token keeps its own order), shell
 * completion, and examples and exit codes in --help. A closed loopback port stands in for a
 * reflector: the run reaches the point of dialing it (exit 3, naming it) only once every flag and
 * variable was read. Each case spawns the real CLI (about 0.5-1 s of tsx start-up each, more under
 * load).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeLines, EXIT } from '../../../client/cli/cli-io.js';
import { closedPort } from '../../helpers/loopback-stack.js';
import { runCli, type CliExit } from '../../helpers/cli.js';
import { useTeardown, type Defer } from '../../helpers/teardown.js';
import { parseErrorDocument } from './error-document.js';

/** Generous: on a loaded 2-core machine one tsx start-up took up to 19 s here. */
const MS = 45_000;
const FORMS = '(90, 90s, 15m, 2h or 1h30m; a plain number is seconds)';

async function closedAddress(): Promise<string> {
  return `127.0.0.1:${await closedPort()}`;
}

/** The one line a run that dialed `address` and found nothing there ends with. */
function unreachable(address: string): string {
  return (
    `idlescope: cannot reach reflector ${address}: connect ECONNREFUSED ${address}; nothing listens ` +
    'there: is `idlescope reflector` running, and is the port right?\n'
  );
}

function expectDialed(result: CliExit, address: string): void {
  expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(EXIT.reflector);
  expect(result.stderr, 'it dialed that reflector').toBe(unreachable(address));
}

function run(defer: Defer, args: string[], env: Record<string, string> = {}): Promise<CliExit> {
  return runCli(defer, args, MS, env);
}

// -V beside --version: usage.test.ts.
describe.concurrent('-h, -j and examples in --help', () => {
  it(
    '-h prints the help with examples, durations, the environment and every exit code',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const result = await run(useTeardown(onTestFinished), ['-h']);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      expect(result.stderr, 'nothing on stderr').toBe('');
      expect(result.stdout, 'examples').toMatch(/^Examples:\n {2}idlescope demo /m);
      expect(result.stdout, 'the positional form').toMatch(/^ {2}idlescope discover HOST:7000 /m);
      expect(result.stdout, 'durations').toContain('Durations: 90 (seconds), 90s, 15m, 2h, 1h30m, 500ms.');
      expect(result.stdout, 'the environment').toContain('IDLESCOPE_<FLAG> gives a flag its default');
      const codes = result.stdout.slice(result.stdout.indexOf('Exit codes:\n'));
      expect(codes.split('\n').slice(1, -1), 'the exit codes, from the EXIT table').toEqual(exitCodeLines());
      expect(codes, '143 for SIGTERM').toMatch(/^ {2}143 {2}stopped by SIGTERM/m);
    },
  );

  it('discover -h lists -j and the address argument', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const result = await run(useTeardown(onTestFinished), ['discover', '-h']);
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
    expect(result.stdout, 'usage').toMatch(/^idlescope discover \[address\]$/m);
    expect(result.stdout, '-j').toMatch(/^ {2}-j, --json /m);
    expect(result.stdout, 'durations in the flags').toMatch(/--max +longest idle to test/);
  });

  it('-j is --json: one document on stdout', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const address = await closedAddress();
    const result = await run(useTeardown(onTestFinished), ['discover', address, '-j', '--quiet']);
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(EXIT.reflector);
    const doc = parseErrorDocument(result.stdout);
    expect(doc.reflector, 'the reflector given as the argument').toBe(address);
    expect(doc.error.code, 'error.code').toBe('IDLESCOPE_REFLECTOR_UNREACHABLE');
  });
});

describe.concurrent('the reflector as the first argument', () => {
  it(
    'discover HOST:PORT is discover --reflector HOST:PORT',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const address = await closedAddress();
      const [positional, flag] = await Promise.all([
        run(defer, ['discover', address, '--quiet']),
        run(defer, ['discover', '--reflector', address, '--quiet']),
      ]);
      expectDialed(positional, address);
      expectDialed(flag, address);
    },
  );

  it('verify HOST:PORT takes it too', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const address = await closedAddress();
    const result = await run(useTeardown(onTestFinished), [
      'verify',
      address,
      '--heartbeat',
      '5',
      '--hold',
      '1m',
      '--quiet',
    ]);
    expectDialed(result, address);
  });
});

describe.concurrent('IDLESCOPE_* defaults', () => {
  it(
    'IDLESCOPE_REFLECTOR names the reflector; an argument wins over it',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const [fromEnv, given] = [await closedAddress(), await closedAddress()];
      const env = { IDLESCOPE_REFLECTOR: fromEnv };
      const [alone, overridden] = await Promise.all([
        run(defer, ['discover', '--quiet'], env),
        run(defer, ['discover', given, '--quiet'], env),
      ]);
      expectDialed(alone, fromEnv);
      expectDialed(overridden, given);
    },
  );

  it(
    'IDLESCOPE_JSON=1 turns --json on; --no-json wins over it',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const address = await closedAddress();
      const env = { IDLESCOPE_JSON: '1' };
      const [on, off] = await Promise.all([
        run(defer, ['discover', address, '--quiet'], env),
        run(defer, ['discover', address, '--quiet', '--no-json'], env),
      ]);
      expect(on.code, `exit code (stderr: ${on.stderr})`).toBe(EXIT.reflector);
      expect(parseErrorDocument(on.stdout).reflector, 'the document').toBe(address);
      expectDialed(off, address);
      expect(off.stdout, 'no document with --no-json').toBe('');
    },
  );

  it(
    'durations from the environment follow the same rules, and the message names the variable',
    {
      timeout: 60_000,
    },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const address = await closedAddress();
      const [bad, flagWins, both] = await Promise.all([
        run(defer, ['discover', address], { IDLESCOPE_MAX: '2x' }),
        run(defer, ['discover', address, '--max', '5', '--quiet'], { IDLESCOPE_MAX: '2x' }),
        run(defer, ['discover', address], { IDLESCOPE_MAX: '5m', IDLESCOPE_MIN: '10m' }),
      ]);
      expect(bad.code, `exit code (stderr: ${bad.stderr})`).toBe(EXIT.usage);
      expect(bad.stdout, 'nothing on stdout').toBe('');
      expect(bad.stderr, 'one line naming the variable').toBe(
        `idlescope: --max must be a positive duration ${FORMS}, got "2x" (from IDLESCOPE_MAX)\n`,
      );
      expectDialed(flagWins, address);
      expect(both.code, `exit code (stderr: ${both.stderr})`).toBe(EXIT.usage);
      expect(both.stderr, 'both variables read, with their units').toBe(
        'idlescope: --min (600 s) is above --max (300 s)\n',
      );
    },
  );

  it(
    'a boolean variable that is neither is bad usage, on one line',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const result = await run(useTeardown(onTestFinished), ['discover', '127.0.0.1:7000'], {
        IDLESCOPE_JSON: 'maybe',
      });
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(EXIT.usage);
      expect(result.stderr).toBe(
        'idlescope: IDLESCOPE_JSON (for --json) must be 1, true, yes, on or 0, false, no, off, got "maybe"\n',
      );
    },
  );

  it(
    'variables of other commands and of the entry are ignored',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      // Under yargs' own .env('IDLESCOPE') and .strict(), each of these failed: "Unknown argument".
      const result = await run(useTeardown(onTestFinished), ['reflector', '--listen', '127.0.0.1:99999'], {
        IDLESCOPE_DEBUG: '1',
        IDLESCOPE_MAX: '5',
        IDLESCOPE_HEARTBEAT: '5',
      });
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(EXIT.usage);
      expect(result.stderr, 'the listen address is what is wrong').toBe(
        'idlescope: --listen: bad address "127.0.0.1:99999": port 99999 is outside 1-65535\n',
      );
    },
  );

  it(
    'IDLESCOPE_TOKEN beside --token-file keeps the token order (no "both")',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const dir = mkdtempSync(join(tmpdir(), 'idlescope-token-'));
      defer(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'token');
      writeFileSync(file, 'from-the-file\n');
      const address = await closedAddress();
      const result = await run(defer, ['discover', address, '--token-file', file, '--quiet'], {
        IDLESCOPE_TOKEN: 'from-the-variable',
      });
      expectDialed(result, address);
    },
  );
});

describe.concurrent('shell completion', () => {
  it(
    'idlescope completion prints a bash script that asks idlescope itself',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const result = await run(useTeardown(onTestFinished), ['completion'], { SHELL: '/bin/bash' });
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      expect(result.stdout, 'registers the function').toContain(
        'complete -o bashdefault -o default -F _idlescope_yargs_completions idlescope',
      );
      expect(result.stdout, 'asks the CLI for the words').toContain('idlescope --get-yargs-completions');
    },
  );

  it('and a zsh one under zsh', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const result = await run(useTeardown(onTestFinished), ['completion'], { SHELL: '/usr/bin/zsh' });
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
    expect(result.stdout, 'a zsh completion').toMatch(/^#compdef idlescope$/m);
  });

  it('completes commands and each command its flags', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const [commands, flags] = await Promise.all([
      run(defer, ['--get-yargs-completions', 'idlescope', 'd'], { SHELL: '/bin/bash' }),
      run(defer, ['--get-yargs-completions', 'idlescope', 'verify', '--keep'], { SHELL: '/bin/bash' }),
    ]);
    expect(commands.code, `exit code (stderr: ${commands.stderr})`).toBe(0);
    expect(commands.stdout.split('\n'), 'the commands').toEqual(
      expect.arrayContaining(['discover', 'verify', 'reflector', 'demo', 'completion']),
    );
    expect(flags.stdout.split('\n'), "verify's flags").toEqual(
      expect.arrayContaining(['--keepalive-idle', '--keepalive-interval', '--keepalive-count', '--hold']),
    );
  });
});
