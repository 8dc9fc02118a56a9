/**
 * `idlescope verify` with bad input, through the real CLI: exit 2, nothing on stdout, the exact
 * reason on one line of stderr, and the process gone at once (every flag is checked before any
 * socket opens, so nothing is left running). The platform refusals are in verify-flags.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';

const R = ['verify', '--reflector', '127.0.0.1:7000'];
const FORMS = '(90, 90s, 15m, 2h or 1h30m; a plain number is seconds)';

const CASES: { name: string; args: string[]; reason: string }[] = [
  {
    name: 'neither --keepalive-idle nor --heartbeat',
    args: [...R, '--hold', '30'],
    reason: 'verify needs a setting: --keepalive-idle S or --heartbeat S',
  },
  {
    name: 'both --keepalive-idle and --heartbeat',
    args: [...R, '--keepalive-idle', '5', '--heartbeat', '5', '--hold', '30'],
    reason: 'give --keepalive-idle or --heartbeat, not both',
  },
  {
    name: 'a hold shorter than the idle',
    args: [...R, '--keepalive-idle', '20', '--hold', '10'],
    reason: '--hold (10 s) is not longer than the keepalive idle (20 s): the setting would never act',
  },
  {
    name: 'a hold shorter than the heartbeat',
    args: [...R, '--heartbeat', '20', '--hold', '20'],
    reason: '--hold (20 s) is not longer than the heartbeat (20 s): the setting would never act',
  },
  {
    name: 'a hold shorter than the timeout',
    args: [...R, '--keepalive-idle', '2', '--timeout', '10', '--hold', '5'],
    reason: '--hold (5 s) is shorter than --timeout (10 s): nothing held would be proven',
  },
  {
    name: 'a keepalive interval below 1 s',
    args: [...R, '--keepalive-idle', '5', '--keepalive-interval', '0.5', '--hold', '30'],
    reason: `--keepalive-interval must be whole seconds from 1 to 32767 ${FORMS}, got "0.5"`,
  },
  {
    name: 'a non-whole keepalive idle',
    args: [...R, '--keepalive-idle', '2.5', '--hold', '30'],
    reason: `--keepalive-idle must be whole seconds from 1 to 32767 ${FORMS}, got "2.5"`,
  },
  {
    name: 'a keepalive idle in milliseconds that are not whole seconds',
    args: [...R, '--keepalive-idle', '1500ms', '--hold', '30'],
    reason: `--keepalive-idle must be whole seconds from 1 to 32767 ${FORMS}, got "1500ms"`,
  },
  {
    name: 'a hold with a unit it does not know',
    args: [...R, '--heartbeat', '5', '--hold', '3d'],
    reason: `--hold must be a positive duration ${FORMS}, got "3d"`,
  },
  {
    name: 'a hold in minutes shorter than the timeout in seconds',
    args: [...R, '--keepalive-idle', '2', '--timeout', '90', '--hold', '1m'],
    reason: '--hold (60 s) is shorter than --timeout (90 s): nothing held would be proven',
  },
  {
    name: 'a keepalive count of 0',
    args: [...R, '--keepalive-idle', '5', '--keepalive-count', '0', '--hold', '30'],
    reason: '--keepalive-count must be a whole number from 1 to 127, got "0"',
  },
  {
    name: 'an interval without an idle',
    args: [...R, '--heartbeat', '5', '--keepalive-interval', '2', '--hold', '30'],
    reason: '--keepalive-interval needs --keepalive-idle',
  },
  {
    name: 'neither --timeout nor --hold',
    args: [...R, '--keepalive-idle', '5'],
    reason: "verify needs --timeout S (the path's idle timeout; held 3 x it) or --hold S",
  },
  {
    name: '--dead-peer with a heartbeat',
    args: [...R, '--dead-peer', '--heartbeat', '5'],
    reason: '--dead-peer measures TCP keepalive: give --keepalive-idle, not --heartbeat',
  },
  {
    name: 'too few connections for both directions',
    args: [...R, '--keepalive-idle', '5', '--hold', '30', '--connections', '1'],
    reason: '--connections must be a whole number from 2 to 1000, got "1"',
  },
  {
    name: 'a user timeout that is not whole milliseconds',
    args: [...R, '--keepalive-idle', '5', '--user-timeout', '0.5ms', '--hold', '30'],
    reason: '--user-timeout takes whole milliseconds, got 0.0005 s',
  },
];

describe.concurrent('idlescope verify with bad input', () => {
  for (const c of CASES) {
    it(`exits 2 on ${c.name} with a one-line reason`, { timeout: 20_000 }, async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const result = await runCli(defer, [...c.args, '--json'], 15_000);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(2);
      expect(result.stdout, 'nothing on stdout: nothing was run').toBe('');
      expect(result.stderr, 'the reason on one line').toBe(`idlescope: ${c.reason}\n`);
    });
  }
});
