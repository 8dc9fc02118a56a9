/**
 * The real CLI with bad usage: exit 2, nothing on stdout, and the exact reason on one line of
 * stderr (yargs' own failures add one fixed hint line, "Try 'idlescope --help'."). Also --help and
 * --version, and a reflector that cannot be reached (exit 3, one line; with --json, one document).
 * Each case spawns the real CLI (about 0.5-1 s of tsx start-up each).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../../helpers/loopback-stack.js';
import { REPO_ROOT, runCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';
import { parseErrorDocument } from './error-document.js';

const HINT = "Try 'idlescope --help'.";
const FORMS = '(90, 90s, 15m, 2h or 1h30m; a plain number is seconds)';
const R = ['--reflector', '127.0.0.1:7000'];

/** Each: the arguments, the exact reason after "idlescope: ", and whether yargs adds its hint. */
const CASES: { name: string; args: string[]; reason: string; hint: boolean }[] = [
  {
    name: 'a --direction that is not one',
    args: ['discover', ...R, '--direction', 'up'],
    reason: '--direction must be inbound, outbound or both, got "up"',
    hint: false,
  },
  {
    name: 'a --max with a unit it does not know',
    args: ['discover', ...R, '--max', '2x'],
    reason: `--max must be a positive duration ${FORMS}, got "2x"`,
    hint: false,
  },
  {
    name: 'a URL for --reflector',
    args: ['discover', '--reflector', 'http://127.0.0.1:7000'],
    reason: '--reflector takes HOST:PORT (e.g. 127.0.0.1:7000), not a URL: "http://127.0.0.1:7000"',
    hint: false,
  },
  {
    name: '--min above --max',
    args: ['discover', ...R, '--min', '10', '--max', '5'],
    reason: '--min (10 s) is above --max (5 s)',
    hint: false,
  },
  {
    name: 'an IPv4 address out of range',
    args: ['discover', '--reflector', '300.1.1.1:99'],
    reason: '--reflector: bad address "300.1.1.1:99": "300.1.1.1" is not a valid IPv4 address',
    hint: false,
  },
  {
    name: 'unbracketed IPv6',
    args: ['discover', '--reflector', '::1'],
    reason: '--reflector: bad address "::1": write IPv6 with brackets: [::1]:PORT',
    hint: false,
  },
  {
    name: 'too few connections',
    args: ['discover', ...R, '--connections', '1'],
    reason: '--connections must be a whole number from 4 to 16000, got "1"',
    hint: false,
  },
  {
    name: 'connections that are not a number',
    args: ['discover', ...R, '--connections', 'many'],
    reason: '--connections must be a whole number from 4 to 16000, got "many"',
    hint: false,
  },
  {
    name: 'a negative --grace',
    args: ['discover', ...R, '--grace', '-1'],
    reason: `--grace must be a positive duration ${FORMS}, got "-1"`,
    hint: false,
  },
  {
    name: 'a flag given twice',
    args: ['discover', ...R, '--max', '5', '--max', '6'],
    reason: '--max was given 2 times: give it once',
    hint: false,
  },
  {
    name: 'a flag without its value',
    args: ['discover', ...R, '--max'],
    reason: '--max needs a value',
    hint: true,
  },
  {
    name: '--reflector without its value',
    args: ['discover', '--reflector'],
    reason: '--reflector needs a value',
    hint: true,
  },
  {
    name: 'an unknown flag',
    args: ['discover', ...R, '--frobnicate'],
    reason: 'unknown flag --frobnicate',
    hint: true,
  },
  {
    name: 'a stray argument',
    args: ['discover', '127.0.0.1:7000', 'extra'],
    reason: 'unexpected argument "extra"',
    hint: true,
  },
  {
    name: 'no reflector',
    args: ['discover'],
    reason: 'discover needs a reflector: idlescope discover HOST:PORT (or $IDLESCOPE_REFLECTOR)',
    hint: false,
  },
  {
    name: 'the reflector as an argument and as --reflector',
    args: ['discover', '127.0.0.1:7001', ...R],
    reason: 'the reflector was given twice ("127.0.0.1:7001" and --reflector "127.0.0.1:7000"): give one',
    hint: false,
  },
  {
    name: 'a bad reflector argument',
    args: ['discover', '300.1.1.1:99'],
    reason: '--reflector: bad address "300.1.1.1:99": "300.1.1.1" is not a valid IPv4 address',
    hint: false,
  },
  {
    name: 'a --min in words',
    args: ['discover', ...R, '--min', '5 apples 3s'],
    reason: `--min must be a positive duration ${FORMS}, got "5 apples 3s"`,
    hint: false,
  },
  {
    name: 'a --resolution with an exponent',
    args: ['discover', ...R, '--resolution', '1e3'],
    reason: `--resolution must be a positive duration ${FORMS}, got "1e3"`,
    hint: false,
  },
  {
    name: 'a demo --timeout with a unit it does not know',
    args: ['demo', '--timeout', '20sec'],
    reason: `--timeout must be a positive duration ${FORMS}, got "20sec"`,
    hint: false,
  },
  {
    name: '--min in minutes above --max in seconds',
    args: ['discover', ...R, '--min', '2m', '--max', '90'],
    reason: '--min (120 s) is above --max (90 s)',
    hint: false,
  },
  {
    name: 'an unknown command',
    args: ['frob'],
    reason: 'unknown command "frob": name one of discover, verify, reflector, demo, report or history',
    hint: true,
  },
  {
    name: 'a misspelt command',
    args: ['discovr'],
    reason: 'unknown command "discovr": did you mean discover?',
    hint: true,
  },
  {
    name: 'no command',
    args: [],
    reason: 'name a command: discover, verify, reflector, demo, report or history',
    hint: true,
  },
  {
    name: 'a demo --mode that is not one',
    args: ['demo', '--mode', 'x'],
    reason: '--mode must be drop, reset, close or loose, got "x"',
    hint: false,
  },
  {
    name: 'a URL for --listen',
    args: ['reflector', '--listen', 'ws://0.0.0.0:7000'],
    reason: '--listen takes HOST:PORT (e.g. 0.0.0.0:7000), not a URL: "ws://0.0.0.0:7000"',
    hint: false,
  },
  {
    name: 'a bad --listen address',
    args: ['reflector', '--listen', '127.0.0.1:99999'],
    reason: '--listen: bad address "127.0.0.1:99999": port 99999 is outside 1-65535',
    hint: false,
  },
];

describe.concurrent('idlescope usage errors', () => {
  for (const c of CASES) {
    it(`exits 2 on ${c.name} with a one-line reason`, { timeout: 20_000 }, async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      // A German locale: yargs would otherwise translate its own messages.
      const result = await runCli(defer, c.args, 15_000, { LANG: 'de_DE.UTF-8' });
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(2);
      expect(result.stdout, 'nothing on stdout').toBe('');
      expect(result.stderr, 'the reason on one line, and the hint where yargs failed').toBe(
        `idlescope: ${c.reason}\n${c.hint ? `${HINT}\n` : ''}`,
      );
    });
  }
});

describe.concurrent('idlescope --help and --version', () => {
  it('--help lists the commands and exits 0', { timeout: 20_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const result = await runCli(defer, ['--help'], 15_000);
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
    for (const command of ['discover', 'reflector', 'demo'])
      expect(result.stdout, `lists ${command}`).toMatch(new RegExp(`^ {2}idlescope ${command} `, 'm'));
    expect(result.stderr, 'nothing on stderr').toBe('');
  });

  it('discover --help lists its flags and exits 0', { timeout: 20_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const result = await runCli(defer, ['discover', '--help'], 15_000);
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
    for (const flag of ['--reflector', '--max', '--direction', '--json'])
      expect(result.stdout, `lists ${flag}`).toContain(flag);
  });

  for (const flag of ['--version', '-V']) {
    it(`${flag} prints the package version and exits 0`, { timeout: 20_000 }, async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { version } = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as {
        version: string;
      };
      const result = await runCli(defer, [flag], 15_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      expect(result.stdout, 'the version').toBe(`${version}\n`);
    });
  }
});

describe.concurrent('idlescope discover against a closed port', () => {
  it(
    'exits 3 within seconds, naming the address and the fix',
    { timeout: 20_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const port = await closedPort();
      const result = await runCli(defer, ['discover', '--reflector', `127.0.0.1:${port}`, '--quiet'], 10_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(3);
      expect(result.stdout, 'nothing on stdout: nothing was measured').toBe('');
      expect(result.stderr, 'one line naming the reflector, the cause and what to check').toBe(
        `idlescope: cannot reach reflector 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}; ` +
          'nothing listens there: is `idlescope reflector` running, and is the port right?\n',
      );
    },
  );

  it(
    'with --json prints one document with the error and nothing measured',
    { timeout: 20_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const port = await closedPort();
      const address = `127.0.0.1:${port}`;
      const result = await runCli(defer, ['discover', '--reflector', address, '--quiet', '--json'], 10_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(3);
      const doc = parseErrorDocument(result.stdout);
      expect(doc.error.code, 'error.code').toBe('IDLESCOPE_REFLECTOR_UNREACHABLE');
      expect(doc.error.message, 'error.message').toMatch(
        new RegExp(`^cannot reach reflector ${address.replaceAll('.', '\\.')}: .*ECONNREFUSED`),
      );
      expect(doc.reflector, 'the reflector as given').toBe(address);
      expect(doc.aborted, 'aborted says why').toBe(doc.error.message);
      expect(doc.directions, 'nothing tested').toEqual({ inbound: null, outbound: null });
      expect(doc.connections_used, 'no probe connection').toBe(0);
      expect(doc.cost.probes_sent, 'no test').toBe(0);
      expect(doc.recommendation.basis, 'a recommendation without data').toBe('no-data');
      expect(result.stderr, 'the same line on stderr').toBe(`idlescope: ${doc.error.message}\n`);
    },
  );
});
