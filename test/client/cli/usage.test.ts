/**
 * `idlescope discover` with bad flags: exit 2, nothing on stdout, and the reason in one line on
 * stderr (yargs' own failures add one fixed hint line, "Try 'idlescope --help'."). Also a
 * reflector that cannot be reached: exit 3 within seconds, naming the address.
 * Each case spawns the real CLI (about 1 s of tsx start-up each).
 */
import { describe, expect, it } from 'vitest';
import { closedPort } from '../../helpers/loopback-stack.js';
import { runCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';

const HINT = "Try 'idlescope --help'.";
const REFLECTOR = ['--reflector', '127.0.0.1:7000'];

const CASES: { name: string; args: string[]; reason: RegExp }[] = [
  {
    name: '--min above --max',
    args: [...REFLECTOR, '--min', '10', '--max', '5'],
    reason: /--min \(10 s\) is above --max \(5 s\)/,
  },
  {
    name: 'an IPv4 address out of range',
    args: ['--reflector', '300.1.1.1:99'],
    reason: /--reflector: bad address "300\.1\.1\.1:99": .*not a valid IPv4 address/,
  },
  {
    name: 'unbracketed IPv6',
    args: ['--reflector', '::1'],
    reason: /--reflector: bad address "::1": write IPv6 with brackets: \[::1\]:PORT/,
  },
  {
    name: 'too few connections',
    args: [...REFLECTOR, '--connections', '1'],
    reason: /--connections must be a whole number from 4 to \d+, got 1/,
  },
  { name: 'an unknown flag', args: [...REFLECTOR, '--frobnicate'], reason: /Unknown argument: frobnicate/ },
  { name: 'no --reflector', args: [], reason: /Missing required argument: reflector/ },
  {
    name: 'a negative --grace',
    args: [...REFLECTOR, '--grace', '-1'],
    reason: /--grace must be a positive number of seconds, got -1/,
  },
];

describe.concurrent('idlescope discover usage errors', () => {
  for (const c of CASES) {
    it(`exits 2 on ${c.name} with a one-line reason`, { timeout: 20_000 }, async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const result = await runCli(defer, ['discover', ...c.args], 15_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(2);
      expect(result.stdout, 'nothing on stdout').toBe('');
      const lines = result.stderr.split('\n').filter((line) => line !== '');
      expect(lines[0], 'the reason, prefixed with the program name').toMatch(
        new RegExp(`^idlescope: .*${c.reason.source}`),
      );
      expect(
        lines.slice(1).filter((line) => line !== HINT),
        'no other lines than the reason and the help hint',
      ).toEqual([]);
    });
  }

  it(
    'exits 3 within seconds, naming the address, when the reflector cannot be reached',
    { timeout: 20_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const port = await closedPort();
      const result = await runCli(defer, ['discover', '--reflector', `127.0.0.1:${port}`, '--quiet'], 10_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(3);
      expect(result.stdout, 'nothing on stdout: nothing was measured').toBe('');
      expect(result.stderr.trim(), 'one clear line naming the reflector and the cause').toMatch(
        new RegExp(`^idlescope: cannot reach reflector 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
      );
      expect(result.stderr.trim().split('\n').length, 'a single line').toBe(1);
    },
  );
});
