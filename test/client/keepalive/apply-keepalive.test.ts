import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  applyKeepalive,
  keepaliveSupport,
  readKeepalive,
} from '../../../client/keepalive/apply-keepalive.js';
import { KeepalivePlanError, KeepaliveSocketError } from '../../../client/keepalive/keepalive-errors.js';
import type { KeepalivePlan } from '../../../client/keepalive/keepalive-plan.js';
import { socketFd } from '../../../client/keepalive/socket-options.js';
import { loopbackPair } from './loopback-pair.js';

/** setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, s) behind Node's back, through net-keepalive's ffi-rs. */
function setKeepIdleBehindNode(socket: Socket, idleS: number): void {
  const require = createRequire(import.meta.url);
  const ffi = createRequire(require.resolve('net-keepalive'))('ffi-rs');
  ffi.open({ library: 'test-libc', path: '' });
  const [value] = ffi.createPointer({ paramsType: [ffi.DataType.I32], paramsValue: [idleS] });
  const result = ffi.load({
    library: 'test-libc',
    funcName: 'setsockopt',
    retType: ffi.DataType.I32,
    paramsType: [
      ffi.DataType.I32,
      ffi.DataType.I32,
      ffi.DataType.I32,
      ffi.DataType.External,
      ffi.DataType.I32,
    ],
    paramsValue: [socketFd(socket), 6, 4, value, 4],
    errno: true,
  });
  expect(result.value, 'setsockopt TCP_KEEPIDLE').toBe(0);
}

const linux = process.platform === 'linux';

describe.skipIf(!linux)(`applyKeepalive on a loopback socket${linux ? '' : ' (skipped: Linux only)'}`, () => {
  it('sets idle, interval, count and user timeout, and the kernel holds exactly that', async ({
    onTestFinished,
  }) => {
    const { client } = await loopbackPair(onTestFinished);
    const before = readKeepalive(client);
    expect(before.enabled, 'a fresh socket has SO_KEEPALIVE off').toBe(false);

    const plan = { idleS: 17, intervalS: 3, count: 4, userTimeoutMs: 29_000 };
    const result = applyKeepalive(client, plan);

    expect(result.platform).toBe('linux');
    expect(result.applied, 'everything asked was set').toEqual({ enabled: true, ...plan });
    expect(result.readBack, 'getsockopt reads the plan back').toEqual({ enabled: true, ...plan });
    expect(result.unsupported, 'Linux supports every option').toEqual([]);
    expect(result.mismatched).toEqual([]);
  });

  it('works on the accepted end too, and a second plan replaces the first', async ({ onTestFinished }) => {
    const { server } = await loopbackPair(onTestFinished);
    applyKeepalive(server, { idleS: 600, intervalS: 30, count: 5, userTimeoutMs: 750_000 });
    const second = applyKeepalive(server, { idleS: 45, intervalS: 7, count: 2, userTimeoutMs: 59_000 });
    expect(second.readBack).toEqual({
      enabled: true,
      idleS: 45,
      intervalS: 7,
      count: 2,
      userTimeoutMs: 59_000,
    });
  });

  it('leaves TCP_USER_TIMEOUT at the kernel default (0) when the plan has none', async ({
    onTestFinished,
  }) => {
    const { client } = await loopbackPair(onTestFinished);
    const result = applyKeepalive(client, { idleS: 120, intervalS: 10, count: 6 });
    expect(result.applied, 'no user timeout was set').not.toHaveProperty('userTimeoutMs');
    expect(result.readBack).toEqual({ enabled: true, idleS: 120, intervalS: 10, count: 6, userTimeoutMs: 0 });
  });

  it("reads what the kernel holds, not the plan: Node's setKeepAlive alone forces 1 s x 10", async ({
    onTestFinished,
  }) => {
    // The field-notes fact behind the order of calls: read back after Node's call only.
    const { client } = await loopbackPair(onTestFinished);
    client.setKeepAlive(true, 33_000);
    expect(readKeepalive(client)).toEqual({
      enabled: true,
      idleS: 33,
      intervalS: 1,
      count: 10,
      userTimeoutMs: 0,
    });
  });

  it('lists what the kernel holds differently: Node skips setKeepAlive for values it believes set', async ({
    onTestFinished,
  }) => {
    const { client } = await loopbackPair(onTestFinished);
    const plan = { idleS: 50, intervalS: 5, count: 2 };
    applyKeepalive(client, plan);
    setKeepIdleBehindNode(client, 99);
    const again = applyKeepalive(client, plan);
    expect(again.readBack.idleS, 'Node did not call into the kernel again').toBe(99);
    expect(again.mismatched).toEqual(['TCP_KEEPIDLE']);
  });

  it('refuses a socket without a descriptor with a typed error', async ({ onTestFinished }) => {
    const { client } = await loopbackPair(onTestFinished);
    client.destroy();
    const attempt = () => applyKeepalive(client, { idleS: 60, intervalS: 10, count: 6 });
    expect(attempt).toThrow(KeepaliveSocketError);
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'IDLESCOPE_KEEPALIVE_SOCKET',
        option: 'socket',
        message: 'socket: has no file descriptor (not connected yet, or destroyed)',
      }),
    );
  });
});

describe('applyKeepalive refuses a plan the kernel would refuse or round, before touching the socket', () => {
  const good: KeepalivePlan = { idleS: 60, intervalS: 10, count: 6, userTimeoutMs: 120_000 };
  const cases: [string, Partial<KeepalivePlan>, string, string][] = [
    [
      'interval below 1 s',
      { intervalS: 0.5 },
      'intervalS',
      'keepalive intervalS = 0.5: must be a whole number of seconds (it would be rounded down)',
    ],
    [
      'interval of 0',
      { intervalS: 0 },
      'intervalS',
      'keepalive intervalS = 0: must be between 1 and 32767 seconds',
    ],
    [
      'idle below 1 s',
      { idleS: 0.9 },
      'idleS',
      'keepalive idleS = 0.9: must be a whole number of seconds (it would be rounded down)',
    ],
    ['idle of 0', { idleS: 0 }, 'idleS', 'keepalive idleS = 0: must be between 1 and 32767 seconds'],
    [
      'fractional idle',
      { idleS: 59.5 },
      'idleS',
      'keepalive idleS = 59.5: must be a whole number of seconds (it would be rounded down)',
    ],
    ['count below 1', { count: 0 }, 'count', 'keepalive count = 0: must be between 1 and 127 probes'],
    [
      'fractional count',
      { count: 2.5 },
      'count',
      'keepalive count = 2.5: must be a whole number of probes (it would be rounded down)',
    ],
    [
      'count above the kernel maximum',
      { count: 128 },
      'count',
      'keepalive count = 128: must be between 1 and 127 probes',
    ],
    [
      'idle above the kernel maximum',
      { idleS: 32768 },
      'idleS',
      'keepalive idleS = 32768: must be between 1 and 32767 seconds',
    ],
    [
      'negative user timeout',
      { userTimeoutMs: -1 },
      'userTimeoutMs',
      'keepalive userTimeoutMs = -1: must be between 0 and 2147483647 milliseconds',
    ],
    [
      'fractional user timeout',
      { userTimeoutMs: 1.5 },
      'userTimeoutMs',
      'keepalive userTimeoutMs = 1.5: must be a whole number of milliseconds (it would be rounded down)',
    ],
    [
      'NaN interval',
      { intervalS: Number.NaN },
      'intervalS',
      'keepalive intervalS = NaN: must be a whole number of seconds (it would be rounded down)',
    ],
  ];
  it.for(cases)('%s', async ([, change, field, message], { onTestFinished }) => {
    const { client } = await loopbackPair(onTestFinished);
    const attempt = () => applyKeepalive(client, { ...good, ...change });
    expect(attempt).toThrow(KeepalivePlanError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'IDLESCOPE_KEEPALIVE_PLAN', field, message }));
    if (linux) expect(readKeepalive(client).enabled, 'nothing was set').toBe(false);
  });
});

describe('keepaliveSupport', () => {
  it('says what each platform cannot do instead of pretending', () => {
    expect(keepaliveSupport('linux')).toEqual({ intervalAndCount: null, userTimeout: null, readIdle: null });
    expect(keepaliveSupport('darwin'), 'macOS: no TCP_USER_TIMEOUT').toEqual({
      intervalAndCount: null,
      userTimeout: 'no-user-timeout',
      readIdle: null,
    });
    expect(keepaliveSupport('win32'), 'Windows: net-keepalive is a no-op').toEqual({
      intervalAndCount: 'net-keepalive-no-op',
      userTimeout: 'net-keepalive-no-op',
      readIdle: 'net-keepalive-no-op',
    });
    expect(keepaliveSupport('aix').userTimeout).toBe('unknown-platform');
  });
});
