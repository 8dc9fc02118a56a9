/**
 * `idlescope reflector`'s admission flags (client/cli/admission-flags.ts): each parsed into its
 * option or refused with a UsageError naming it, and the real CLI logging the limits it runs with.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../protocol/errors.js';
import { admissionOptionsFrom } from '../../../client/cli/admission-flags.js';
import { spawnCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';

describe('admission flags', () => {
  it('turns each flag into its option, and leaves absent ones to the defaults', () => {
    expect(admissionOptionsFrom({}), 'nothing given').toEqual({});
    expect(
      admissionOptionsFrom({
        maxSessions: '64',
        maxSessionsPerAddress: '4',
        maxConnections: '30000',
        maxConnectionsPerAddress: '2000',
        maxProbesPerSession: '512',
        fdReserve: '256',
        unattachedGrace: '2.5',
      }),
      'every flag',
    ).toEqual({
      maxSessions: 64,
      maxSessionsPerAddress: 4,
      maxConnections: 30000,
      maxConnectionsPerAddress: 2000,
      maxProbesPerSession: 512,
      fdReserve: 256,
      unattachedGraceMs: 2500,
    });
  });

  it.each([
    [{ maxSessionsPerAddress: '0' }, /--max-sessions-per-address must be a whole number from 1/],
    [{ maxProbesPerSession: '20000' }, /--max-probes-per-session must be a whole number from 1 to 16384/],
    [{ maxConnections: 'many' }, /--max-connections must be a whole number/],
    [
      { unattachedGrace: '-1' },
      /--unattached-grace must be a positive duration \(90, 90s, 15m, 2h or 1h30m; a plain number is seconds\), got "-1"/,
    ],
  ])('refuses %o', (flags, message) => {
    expect(() => admissionOptionsFrom(flags), 'a usage error naming the flag').toThrow(UsageError);
    expect(() => admissionOptionsFrom(flags), 'the message').toThrow(message);
  });

  it(
    'runs the reflector with them, and logs the limits and the open-file limit at start',
    { timeout: 20_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const cli = spawnCli(
        defer,
        [
          'reflector',
          '--listen',
          '127.0.0.1:0',
          '--max-sessions-per-address',
          '2',
          '--max-probes-per-session',
          '100',
        ],
        16_000,
      );
      await cli.stderrMatches(/"event":"limits".*\n/, 10_000);
      const line = cli.stderr.split('\n').find((l) => l.includes('"event":"limits"')) as string;
      expect(JSON.parse(line), 'the limits line').toMatchObject({
        level: 'info',
        maxSessionsPerAddress: 2,
        maxProbesPerSession: 100,
        openFilesFrom: process.platform === 'linux' ? '/proc/self/limits' : 'default',
        msg: expect.stringMatching(/^open-file limit \d+ \(.+\), reserve \d+: at most \d+ connections/),
      });
      cli.child.kill('SIGTERM');
      expect((await cli.exit(5000)).code, 'exits 0').toBe(0);
    },
  );
});
