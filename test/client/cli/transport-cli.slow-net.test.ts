/**
 * The real CLI over TLS and WebSocket transports: bad transport flags are exit 2 with one line;
 * a wrong pin, a certificate whose name does not match, a TLS client to a plain reflector and a
 * plain client to a TLS-only port are exit 3 with one line each, the process gone and nothing
 * left open on the reflector; and `reflector --self-signed` prints the fingerprint a `discover
 * --transport wss --pin` then trusts. Each case spawns the real CLI (tsx start-up, seconds under load).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { Reflector } from '../../../reflector/reflector.js';
import { selfSignedIdentity } from '../../../reflector/self-signed.js';
import type { HostPort } from '../../../protocol/address.js';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { useTeardown, waitFor, type Defer } from '../../helpers/teardown.js';
import { listenOnLoopback } from '../../helpers/loopback-server.js';

const identity = await selfSignedIdentity();
const otherIdentity = await selfSignedIdentity(['reflector.example'], { loopback: false });
const R = ['--reflector', '127.0.0.1:7000'];
const RUN_MS = 30_000;

const USAGE: { name: string; args: string[]; reason: string }[] = [
  {
    name: 'an unknown transport',
    args: ['discover', ...R, '--transport', 'quic'],
    reason: '--transport must be tcp, tls, ws or wss, got "quic"',
  },
  {
    name: 'a pin that is not one',
    args: ['discover', ...R, '--transport', 'tls', '--pin', 'abc'],
    reason: '--pin "abc": a pin starts with sha256: (the reflector prints it at start)',
  },
  {
    name: 'a pin without TLS',
    args: ['discover', ...R, '--pin', identity.fingerprint],
    reason: '--pin applies to a TLS transport (--transport tls or wss), not tcp',
  },
  {
    name: '--dead-peer over TLS',
    args: ['verify', ...R, '--dead-peer', '--keepalive-idle', '2', '--transport', 'tls'],
    reason: '--dead-peer runs over --transport tcp, not tls',
  },
  {
    name: '--cert without --key',
    args: ['reflector', '--listen', '127.0.0.1:0', '--cert', 'cert.pem'],
    reason: '--cert needs --key',
  },
  {
    name: '--self-signed with --cert',
    args: ['reflector', '--listen', '127.0.0.1:0', '--self-signed', '--cert', 'c', '--key', 'k'],
    reason: 'give --self-signed or --cert/--key, not both',
  },
];

async function startReflector(
  defer: Defer,
  tls = identity,
): Promise<{ reflector: Reflector; address: HostPort }> {
  const reflector = new Reflector({ tls, closeHandshakeMs: 200 });
  defer(() => reflector.close());
  return { reflector, address: await reflector.listen('127.0.0.1', 0) };
}

/** discover over `transport` to `address`, which must fail: exit 3, one line, the process gone. */
async function failingDiscover(
  defer: Defer,
  address: HostPort,
  flags: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const args = ['discover', '--reflector', `${address.host}:${address.port}`, '--quiet', ...flags];
  const result = await runCli(defer, args, RUN_MS, env);
  expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(3);
  expect(result.stdout, 'nothing on stdout').toBe('');
  expect(result.stderr.split('\n'), 'one line on stderr').toHaveLength(2);
  return result.stderr;
}

describe.concurrent('transport flags: bad usage', () => {
  for (const c of USAGE) {
    it(
      `exits 2 on ${c.name} with a one-line reason`,
      { timeout: RUN_MS + 5000 },
      async ({ onTestFinished }) => {
        const defer = useTeardown(onTestFinished);
        const result = await runCli(defer, c.args, RUN_MS);
        expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(2);
        expect(result.stdout, 'nothing on stdout').toBe('');
        expect(result.stderr, 'the reason, on one line').toBe(`idlescope: ${c.reason}\n`);
      },
    );
  }
});

describe.concurrent('transports: failures are one line and exit 3, with nothing left running', () => {
  it('a pin that does not match', { timeout: RUN_MS + 5000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const { reflector, address } = await startReflector(defer);
    const stderr = await failingDiscover(defer, address, [
      '--transport',
      'tls',
      '--pin',
      otherIdentity.fingerprint,
    ]);
    expect(stderr).toBe(
      `idlescope: reflector 127.0.0.1:${address.port}: TLS certificate ${identity.fingerprint} does not ` +
        `match --pin ${otherIdentity.fingerprint} (a different reflector, a new self-signed certificate, ` +
        'or something in the path)\n',
    );
    await waitFor('no connection left on the reflector', () => reflector.stats().connections === 0, 5000);
  });

  it('a certificate whose name does not match', { timeout: RUN_MS + 5000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const dir = mkdtempSync(join(tmpdir(), 'idlescope-ca-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, otherIdentity.cert);
    const { address } = await startReflector(defer, otherIdentity);
    // Trusted as a CA (NODE_EXTRA_CA_CERTS), but for reflector.example, not 127.0.0.1.
    const stderr = await failingDiscover(defer, address, ['--transport', 'wss'], { NODE_EXTRA_CA_CERTS: ca });
    expect(stderr).toMatch(
      new RegExp(
        `^idlescope: reflector 127\\.0\\.0\\.1:${address.port}: TLS certificate not trusted: .*` +
          "IP: 127\\.0\\.0\\.1 is not in the cert's list.*" +
          '\\(pass --pin to trust this very certificate\\)\\n$',
      ),
    );
  });

  it(
    'a TLS client to a reflector without a certificate',
    { timeout: RUN_MS + 5000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const reflector = new Reflector({ closeHandshakeMs: 200 });
      defer(() => reflector.close());
      const address = await reflector.listen('127.0.0.1', 0);
      const stderr = await failingDiscover(defer, address, [
        '--transport',
        'tls',
        '--pin',
        identity.fingerprint,
      ]);
      expect(stderr).toMatch(
        new RegExp(
          `^idlescope: 127\\.0\\.0\\.1:${address.port} did not complete a TLS handshake ` +
            '.*--transport tcp or ws\\n$',
        ),
      );
      await waitFor('no connection left on the reflector', () => reflector.stats().connections === 0, 5000);
    },
  );

  it('a plain client to a TLS-only port', { timeout: RUN_MS + 5000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const server = createTlsServer({ cert: identity.cert, key: identity.key }, (socket) => socket.destroy());
    server.on('tlsClientError', () => {});
    const { address, sockets } = await listenOnLoopback(defer, server);
    const { port } = address;
    const stderr = await failingDiscover(defer, address, ['--transport', 'ws']);
    expect(stderr).toBe(
      `idlescope: 127.0.0.1:${port} accepted the connection, then closed it without answering the ` +
        'upgrade (a TLS-only port? try --transport tls or wss): not an idlescope reflector ' +
        '(is the port right?)\n',
    );
    await waitFor('no connection left on the TLS server', () => sockets.size === 0, 5000);
  });
});

describe('reflector --self-signed', () => {
  it(
    'prints the fingerprint that discover --transport wss --pin trusts, and the report names wss and TLS',
    { timeout: 4 * RUN_MS },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const reflector = spawnCli(
        defer,
        ['reflector', '--listen', '127.0.0.1:0', '--self-signed', '--quiet'],
        2 * RUN_MS,
      );
      const pin = (
        await reflector.stdoutMatches(/TLS certificate (sha256:[0-9a-f]{64}) /, RUN_MS)
      )[1] as string;
      const port = (await reflector.stdoutMatches(/listening on 127\.0\.0\.1:(\d+)/, RUN_MS))[1] as string;
      const args = ['discover', '--reflector', `127.0.0.1:${port}`, '--transport', 'wss', '--pin', pin];
      const run = ['--min', '1', '--max', '2', '--connections', '4', '--no-verify', '--quiet', '--json'];
      const result = await runCli(defer, [...args, ...run], 2 * RUN_MS);
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      const report = JSON.parse(result.stdout) as { transport: string; tls_version: string | null };
      expect(report.transport, 'transport').toBe('wss');
      expect(report.tls_version, 'TLS version').toBe('TLSv1.3');
      reflector.child.kill('SIGINT');
      const exit = await reflector.exit(RUN_MS);
      expect(exit.code, `the reflector exits 0 on SIGINT (stderr: ${exit.stderr})`).toBe(0);
    },
  );
});
