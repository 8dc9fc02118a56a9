/**
 * verify's flag parsing (pure): the options it yields, and the refusals of what a platform cannot
 * set (Windows: net-keepalive is a no-op; macOS: no TCP_USER_TIMEOUT), which a Linux machine
 * can only test here, with the platform as a parameter. Each refusal is a UsageError: exit 2.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../protocol/errors.js';
import { EXIT, exitCodeFor } from '../../../client/cli/cli-io.js';
import { verifyOptionsFrom, type VerifyFlags } from '../../../client/cli/verify-flags.js';
import { tcpTransport } from '../../../client/transport/tcp-transport.js';

const BASE: VerifyFlags = {
  reflector: '127.0.0.1:7000',
  direction: 'both',
  deadPeer: false,
  json: false,
  quiet: false,
};

function refusal(flags: Partial<VerifyFlags>, platform: NodeJS.Platform): unknown {
  try {
    verifyOptionsFrom({ ...BASE, ...flags }, platform);
  } catch (error) {
    return error;
  }
  return null;
}

describe('verify flags', () => {
  it(
    'a keepalive with a timeout: held 3 x it, interval idle/7 (at least 1 s), count 3, 2 connections a ' +
      'direction',
    () => {
      const options = verifyOptionsFrom({ ...BASE, keepaliveIdle: '14', timeout: '20' }, 'linux');
      expect(options).toEqual({
        mode: 'hold',
        reflector: { host: '127.0.0.1', port: 7000 },
        setting: { kind: 'keepalive', idleS: 14, intervalS: 2, count: 3 },
        holdMs: 60_000,
        timeoutMs: 20_000,
        connections: 4,
        directions: ['inbound', 'outbound'],
        graceMs: 1500,
        transport: tcpTransport,
      });
    },
  );

  it('--dead-peer: the plan with its user timeout, waiting 600 s by default', () => {
    const options = verifyOptionsFrom(
      {
        ...BASE,
        deadPeer: true,
        keepaliveIdle: '3',
        keepaliveInterval: '1',
        keepaliveCount: '2',
        userTimeout: '4.5',
      },
      'linux',
    );
    expect(options).toEqual({
      mode: 'dead-peer',
      reflector: { host: '127.0.0.1', port: 7000 },
      plan: { idleS: 3, intervalS: 1, count: 2, userTimeoutMs: 4500 },
      waitMs: 600_000,
      transport: tcpTransport,
    });
  });

  it('refuses keepalive on Windows, where net-keepalive cannot set the interval and count', () => {
    const error = refusal({ keepaliveIdle: '5', hold: '30' }, 'win32');
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      '--keepalive-idle cannot be set on win32: net-keepalive is a no-op there',
    );
    expect(exitCodeFor(error)).toBe(EXIT.usage);
  });

  it('refuses --user-timeout on macOS, which has no TCP_USER_TIMEOUT', () => {
    const error = refusal({ keepaliveIdle: '5', userTimeout: '10', hold: '30' }, 'darwin');
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      '--user-timeout cannot be set on darwin: it has no TCP_USER_TIMEOUT',
    );
    expect(exitCodeFor(error)).toBe(EXIT.usage);
  });

  it('accepts a heartbeat on Windows: it needs no socket option', () => {
    const options = verifyOptionsFrom({ ...BASE, heartbeat: '5', hold: '30' }, 'win32');
    expect(options.mode === 'hold' ? options.setting : null).toEqual({ kind: 'heartbeat', periodS: 5 });
  });
});
