import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { PassThrough } from 'node:stream';
import yargs from 'yargs';
import { DEFAULT_PORT } from '../../protocol/wire.js';
import { AddressError, type HostPort } from '../../protocol/address.js';
import { reflectorCommand, runReflector } from '../../client/cli/reflector-command.js';
import { listenWithFallback, type RunReflectorOptions } from '../../reflector/run-reflector.js';
import { ReflectorListenError } from '../../reflector/errors.js';
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

  it('prints one listening line with the bound port, logs sessions, and stops on abort', async () => {
    const { address, stop, done, stdout, stderr } = await start(defer, {
      listen: { host: '127.0.0.1', port: 0 },
    });
    expect(address.host, 'host').toBe('127.0.0.1');
    expect(address.port, 'the real port, not 0').toBeGreaterThan(0);

    const { control } = await openSession(defer, address);
    await waitFor('a session start line on stderr', () =>
      /session [0-9a-f]{8} started from 127\.0\.0\.1:\d+\n/.test(stderr.text()),
    );
    control.send({ type: 'bye' });
    await waitFor('a session end line on stderr', () =>
      /session [0-9a-f]{8} ended \(bye\), 0 probes closed\n/.test(stderr.text()),
    );

    stop.abort();
    await expect(
      Promise.race([
        done,
        new Promise((_, reject) => setTimeout(() => reject(new Error('runReflector did not stop')), WAIT_MS)),
      ]),
      'resolves after abort',
    ).resolves.toBeUndefined();
    expect(stdout.text().split('\n').length, 'stdout holds only the listening line').toBe(2);
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

  it('rejects with ReflectorListenError when the port is taken', async () => {
    const { address } = await start(defer, { listen: { host: '127.0.0.1', port: 0 } });
    const second = runReflector(
      { listen: address },
      { stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal },
    );
    await expect(second, 'second reflector on the same port').rejects.toThrow(ReflectorListenError);
    await expect(second, 'the message names the cause').rejects.toThrow(/EADDRINUSE/);
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
    const failing = listenWithFallback(
      { listen: async (host, port) => Promise.reject(new ReflectorListenError(host, port, inUse)) },
      undefined,
    );
    await expect(failing, 'EADDRINUSE is not a reason to fall back').rejects.toThrow(/EADDRINUSE/);
  });
});

describe('idlescope reflector command', () => {
  it.each([['nonsense::'], ['127.0.0.1:99999'], ['[::1']])(
    'rejects --listen %s with a one-line AddressError',
    async (listen) => {
      const parse = yargs(['reflector', '--listen', listen])
        .command(reflectorCommand)
        .fail(false)
        .parseAsync();
      await expect(parse, 'error class').rejects.toBeInstanceOf(AddressError);
      await expect(parse, 'stable code').rejects.toMatchObject({ code: 'IDLESCOPE_BAD_ADDRESS' });
      const message = await parse.then(
        () => '',
        (error: Error) => error.message,
      );
      expect(message, 'the message names the input').toContain(listen);
      expect(message.includes('\n'), 'the message is one line').toBe(false);
    },
  );
});
