import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { PassThrough } from 'node:stream';
import yargs from 'yargs';
import { DEFAULT_PORT } from '../../protocol/wire.js';
import type { HostPort } from '../../protocol/address.js';
import { AddressError, ReflectorListenError, UsageError } from '../../protocol/errors.js';
import { reflectorCommand } from '../../client/cli/reflector-command.js';
import { runReflector } from '../../reflector/run-reflector.js';
import type { CliIo } from '../../client/cli/cli-io.js';
import { listenWithFallback, type RunReflectorOptions } from '../../reflector/run-reflector.js';
import { openSession, useTeardown, waitFor, WAIT_MS } from './helpers.js';

const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) =>
  list?.some((i) => i.family === 'IPv6' && i.address === '::1'),
);

function capture(stream: PassThrough): { text: () => string } {
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { text: () => text };
}

/** Starts runReflector in-process; returns the bound address parsed from its one stdout line. */
async function start(defer: ReturnType<typeof useTeardown>, options: RunReflectorOptions) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = capture(stdout);
  const err = capture(stderr);
  const stop = new AbortController();
  const done = runReflector(options, { stdout, stderr, signal: stop.signal });
  defer(async () => {
    stop.abort();
    await done;
  });
  await waitFor('the listening line on stdout', () => out.text().includes('\n'));
  const match = /^idlescope reflector listening on (\[([^\]]+)\]|([^:]+)):(\d+)\n$/.exec(out.text());
  expect(match, `stdout is exactly one listening line: ${JSON.stringify(out.text())}`).not.toBeNull();
  const address: HostPort = { host: match![2] ?? match![3]!, port: Number(match![4]) };
  return { address, stop, done, stdout: out, stderr: err };
}

describe('runReflector', () => {
  const defer = useTeardown();

  it('prints one listening line with the bound port, logs JSON lines, and stops on abort', async () => {
    const { address, stop, done, stdout, stderr } = await start(defer, {
      listen: { host: '127.0.0.1', port: 0 },
    });
    expect(address.host, 'host').toBe('127.0.0.1');
    expect(address.port, 'the real port, not 0').toBeGreaterThan(0);

    const { control, session } = await openSession(defer, address);
    const lines = (): Record<string, unknown>[] =>
      stderr
        .text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const withEvent = (event: string): Record<string, unknown> | undefined =>
      lines().find((line) => line['event'] === event);
    await waitFor('a session-start line on stderr', () => withEvent('session-start') !== undefined);
    expect(withEvent('listen'), 'the listen line').toMatchObject({
      level: 'info',
      address: `127.0.0.1:${address.port}`,
    });
    expect(withEvent('session-start'), 'the start line').toMatchObject({
      level: 'info',
      session: session.session.slice(0, 8),
      resumed: false,
      probes: 0,
    });
    expect(String(withEvent('session-start')?.['remote']), 'the peer').toMatch(/^127\.0\.0\.1:\d+$/);
    control.send({ type: 'bye' });
    await waitFor('a session-end line on stderr', () => withEvent('session-end') !== undefined);
    expect(withEvent('session-end'), 'the end line').toMatchObject({
      session: session.session.slice(0, 8),
      reason: 'bye',
      probes: 0,
      droppedMessages: 0,
    });
    expect(Number.isNaN(Date.parse(String(withEvent('session-end')?.['time']))), 'an ISO time').toBe(false);

    stop.abort();
    await expect(
      Promise.race([
        done,
        new Promise((_, reject) => setTimeout(() => reject(new Error('runReflector did not stop')), WAIT_MS)),
      ]),
      'resolves after abort',
    ).resolves.toBeUndefined();
    expect(stdout.text().split('\n').length, 'stdout holds only the listening line').toBe(2);
    expect(lines().at(-1), 'the last log line').toMatchObject({ event: 'shutdown', level: 'info' });
    expect(lines().length, 'listen, limits, start, end, shutdown').toBe(5);
    // The admission limits, and the open-file limit read at start they are sized from.
    expect(withEvent('limits'), 'the limits line').toMatchObject({
      level: 'info',
      openFiles: expect.any(Number),
      openFilesFrom: process.platform === 'linux' ? '/proc/self/limits' : 'default',
      fdReserve: expect.any(Number),
      maxConnections: expect.any(Number),
      maxSessionsPerAddress: 16,
      maxProbesPerSession: 1024,
    });
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(address.port, address.host);
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused, 'the port is closed after the stop').toBe('ECONNREFUSED');
  });

  it('logs nothing with quiet', async () => {
    const { address, stderr } = await start(defer, { listen: { host: '127.0.0.1', port: 0 }, quiet: true });
    const { control } = await openSession(defer, address);
    control.send({ type: 'bye' });
    await control.closed();
    expect(stderr.text(), 'stderr stays empty').toBe('');
  });

  it.skipIf(!hasIpv6Loopback)('brackets an IPv6 address in the listening line', async () => {
    const { address } = await start(defer, { listen: { host: '::1', port: 0 } });
    expect(address.host, 'IPv6 host parsed from the bracketed line').toBe('::1');
  });

  it('rejects with ReflectorListenError when the port is taken, saying so and what to do', async () => {
    const { address } = await start(defer, { listen: { host: '127.0.0.1', port: 0 } });
    const error = await runReflector(
      { listen: address },
      { stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal },
    ).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error, 'error class').toBeInstanceOf(ReflectorListenError);
    const listenError = error as ReflectorListenError;
    expect(listenError.code, 'stable code').toBe('IDLESCOPE_REFLECTOR_LISTEN');
    expect(listenError.systemCode, 'the system error').toBe('EADDRINUSE');
    expect(listenError.message, 'names the port, the host and the fix').toBe(
      `port ${address.port} is already in use on 127.0.0.1: ` +
        `stop the other process or pick another --listen port`,
    );
  });

  it.each([
    [
      'EACCES',
      80,
      'no permission to listen on port 80 of 0.0.0.0: ports below 1024 need root or ' +
        'CAP_NET_BIND_SERVICE; pick a port from 1024 up',
    ],
    [
      'EADDRNOTAVAIL',
      7000,
      'cannot listen on 0.0.0.0:7000: 0.0.0.0 is not an address of this machine; pick one it has, or 0.0.0.0',
    ],
    [
      'EAFNOSUPPORT',
      7000,
      'cannot listen on 0.0.0.0:7000: this machine has no IPv6; listen on 0.0.0.0:7000 instead',
    ],
  ])('words a listen failure with %s as a cause and a fix', (code, port, message) => {
    const error = new ReflectorListenError(
      '0.0.0.0',
      port,
      Object.assign(new Error('listen failed'), { code }),
    );
    expect(error.code, 'stable code').toBe('IDLESCOPE_REFLECTOR_LISTEN');
    expect(error.message, 'the message').toBe(message);
  });

  it('falls back to 0.0.0.0 only when IPv6 is unavailable', async () => {
    const noIpv6 = Object.assign(new Error('no IPv6'), { code: 'EAFNOSUPPORT' });
    const tried: string[] = [];
    const bound = await listenWithFallback(
      {
        listen: async (host, port) => {
          tried.push(`${host} ${port}`);
          if (host === '::') throw new ReflectorListenError(host, port, noIpv6);
          return { host, port };
        },
      },
      undefined,
    );
    expect(tried, 'tried [::] then 0.0.0.0 on the default port').toEqual([
      `:: ${DEFAULT_PORT}`,
      `0.0.0.0 ${DEFAULT_PORT}`,
    ]);
    expect(bound, 'bound address').toEqual({ host: '0.0.0.0', port: DEFAULT_PORT });

    const inUse = Object.assign(new Error('in use'), { code: 'EADDRINUSE' });
    const tries: string[] = [];
    const failing = listenWithFallback(
      {
        listen: async (host, port) => {
          tries.push(host);
          return Promise.reject(new ReflectorListenError(host, port, inUse));
        },
      },
      undefined,
    );
    await expect(failing, 'EADDRINUSE is not a reason to fall back').rejects.toMatchObject({
      code: 'IDLESCOPE_REFLECTOR_LISTEN',
      systemCode: 'EADDRINUSE',
      message:
        `port ${DEFAULT_PORT} is already in use on [::]: stop ` +
        `the other process or pick another --listen port`,
    });
    expect(tries, 'only [::] was tried').toEqual(['::']);
  });
});

describe('idlescope reflector command', () => {
  const io: CliIo = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    signal: new AbortController().signal,
    setExitCode: () => {},
  };
  const parse = (listen: string): Promise<unknown> =>
    yargs(['reflector', '--listen', listen]).command(reflectorCommand(io)).fail(false).parseAsync();

  it.each([['nonsense::'], ['127.0.0.1:99999'], ['[::1']])(
    'rejects --listen %s with a one-line AddressError',
    async (listen) => {
      const error = await parse(listen).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error, 'error class').toBeInstanceOf(AddressError);
      expect((error as AddressError).code, 'stable code').toBe('IDLESCOPE_BAD_ADDRESS');
      const message = (error as AddressError).message;
      expect(
        message.startsWith(`--listen: bad address ${JSON.stringify(listen)}: `),
        `names the flag and the input: ${message}`,
      ).toBe(true);
      expect(message.includes('\n'), 'the message is one line').toBe(false);
    },
  );

  it('rejects a URL given to --listen, saying it takes HOST:PORT', async () => {
    const error = await parse('ws://0.0.0.0:7000').then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error, 'error class').toBeInstanceOf(UsageError);
    expect((error as UsageError).code, 'stable code').toBe('IDLESCOPE_USAGE');
    expect((error as UsageError).message, 'the message').toBe(
      '--listen takes HOST:PORT (e.g. 0.0.0.0:7000), not a URL: "ws://0.0.0.0:7000"',
    );
  });
});
