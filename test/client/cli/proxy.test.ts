/**
 * `idlescope discover` through a proxy, the real CLI on loopback: every connection (control channel
 * and probes, raw TCP or wss) goes through `--proxy` or the environment's proxy, and the report
 * names it; a proxy that refuses (403), wants credentials (407), is down, or a SOCKS5 refusal is one
 * line on stderr and exit 7; a bad proxy URL is exit 2 before anything opens; `--no-proxy` ignores
 * the environment.
 */
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/teardown.js';
import { startReflector } from '../../helpers/loopback-stack.js';
import { closedPort, startConnectProxy, startSocks5Server } from '../../helpers/test-proxies.js';
import { formatHostPort } from '../../../protocol/address.js';
import type { JsonReport } from '../../../client/report/report.js';
import { parseErrorDocument, parseOneDocument } from './error-document.js';

/*
 * Bounds: each CLI takes 1-2 s of start-up alone, and up to 11 run at once here; 25 s is room for a
 * loaded 2-core machine (15 s was exceeded with seven other suites running).
 */

/** A short run on loopback (nothing evicts there): enough to see where its connections went. */
const SHORT = ['--min', '0.5', '--max', '1', '--connections', '4', '--no-verify', '--quiet', '--json'];
const CLEAN_ENV = {
  HTTPS_PROXY: '',
  https_proxy: '',
  HTTP_PROXY: '',
  http_proxy: '',
  ALL_PROXY: '',
  all_proxy: '',
  NO_PROXY: '',
  no_proxy: '',
};

describe.concurrent('idlescope discover through a proxy', () => {
  it(
    'goes through --proxy for every connection and names it in the report',
    { timeout: 30_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { reflectorAddress } = await startReflector(defer);
      const proxy = await startConnectProxy(defer, { kind: 'auth', username: 'u', password: 'pw' });
      const route = `http://${formatHostPort(proxy.address)}`;
      const reflector = formatHostPort(reflectorAddress);
      const result = await runCli(
        defer,
        [
          'discover',
          '--reflector',
          reflector,
          '--proxy',
          `http://u:pw@${formatHostPort(proxy.address)}`,
          ...SHORT,
        ],
        25_000,
        CLEAN_ENV,
      );
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      const report = parseOneDocument(result.stdout) as JsonReport;
      expect(report.proxy, 'the proxy, without credentials').toBe(route);
      expect(result.stdout, 'no password anywhere in the report').not.toContain('pw@');
      expect(proxy.requests.length, 'the control channel and every probe went through it').toBe(
        1 + report.cost.connections_opened,
      );
      expect(new Set(proxy.requests.map((r) => r.target)), 'all to the reflector').toEqual(
        new Set([reflector]),
      );
    },
  );

  it(
    'takes HTTPS_PROXY from the environment (a SOCKS5 one here), and --no-proxy ignores it',
    { timeout: 40_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const { reflectorAddress } = await startReflector(defer);
      const socks = await startSocks5Server(defer, { kind: 'tunnel' });
      const env = { ...CLEAN_ENV, HTTPS_PROXY: `socks5://${formatHostPort(socks.address)}` };
      const args = ['discover', '--reflector', formatHostPort(reflectorAddress), ...SHORT];
      const through = await runCli(defer, args, 25_000, env);
      expect(through.code, `exit code (stderr: ${through.stderr})`).toBe(0);
      expect((parseOneDocument(through.stdout) as JsonReport).proxy).toBe(
        `socks5://${formatHostPort(socks.address)}`,
      );
      const seen = socks.requests.length;
      expect(seen, 'connections went through the SOCKS5 server').toBeGreaterThan(1);
      const direct = await runCli(defer, [...args, '--no-proxy'], 25_000, env);
      expect(direct.code, `exit code (stderr: ${direct.stderr})`).toBe(0);
      expect((parseOneDocument(direct.stdout) as JsonReport).proxy, '--no-proxy: direct').toBeNull();
      expect(socks.requests.length, 'nothing more went through it').toBe(seen);
    },
  );

  it(
    'carries the wss transport through the proxy too: TLS and the WebSocket inside the tunnel',
    { timeout: 40_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const reflectorCli = spawnCli(
        defer,
        ['reflector', '--listen', '127.0.0.1:0', '--self-signed', '--quiet'],
        38_000,
        CLEAN_ENV,
      );
      const [, pin = ''] = await reflectorCli.stdoutMatches(/certificate (sha256:[0-9a-f]+)/, 20_000);
      const [, reflector = ''] = await reflectorCli.stdoutMatches(/listening on (\S+)/, 20_000);
      const proxy = await startConnectProxy(defer, { kind: 'tunnel' });
      const route = `http://${formatHostPort(proxy.address)}`;
      const result = await runCli(
        defer,
        [
          'discover',
          '--reflector',
          reflector,
          '--transport',
          'wss',
          '--pin',
          pin,
          '--proxy',
          route,
          ...SHORT,
        ],
        25_000,
        CLEAN_ENV,
      );
      expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
      const report = parseOneDocument(result.stdout) as JsonReport & { tls_version: string | null };
      expect([report.transport, report.tls_version, report.proxy]).toEqual(['wss', 'TLSv1.3', route]);
      expect(proxy.requests.length, 'the control channel and every probe went through it').toBe(
        1 + report.cost.connections_opened,
      );
    },
  );

  const REFUSALS = [
    {
      name: 'a 403',
      code: 'IDLESCOPE_PROXY_REFUSED',
      scheme: 'http',
      said: 'refused the tunnel to REFLECTOR: HTTP 403 Forbidden',
    },
    {
      name: 'a 407',
      code: 'IDLESCOPE_PROXY_AUTH',
      scheme: 'http',
      said: 'needs credentials (HTTP 407 Proxy Authentication Required): give them in the URL, as scheme://user:password@host:port',
    },
    {
      name: 'a SOCKS5 refusal',
      code: 'IDLESCOPE_PROXY_REFUSED',
      scheme: 'socks5',
      said: 'refused the tunnel to REFLECTOR: connection not allowed by ruleset (reply 2)',
    },
  ] as const;
  for (const c of REFUSALS) {
    it(
      `exits 7 on ${c.name}, with one line and the --json document`,
      { timeout: 60_000 },
      async ({ onTestFinished }) => {
        const defer = useTeardown(onTestFinished);
        const reflector = '127.0.0.1:9';
        const proxy =
          c.scheme === 'socks5'
            ? await startSocks5Server(defer, { kind: 'refuse', reply: 2 })
            : c.code === 'IDLESCOPE_PROXY_AUTH'
              ? await startConnectProxy(defer, { kind: 'auth', username: 'u', password: 'p' })
              : await startConnectProxy(defer, { kind: 'status', status: 403, reason: 'Forbidden' });
        const route = `${c.scheme}://${formatHostPort(proxy.address)}`;
        const result = await runCli(
          defer,
          ['discover', '--reflector', reflector, '--proxy', route, '--json'],
          25_000,
          CLEAN_ENV,
        );
        const message = `proxy ${route} ${c.said.replace('REFLECTOR', reflector)}`;
        expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(7);
        expect(result.stderr).toBe(`idlescope: ${message}\n`);
        const doc = parseErrorDocument(result.stdout);
        expect(doc.error).toEqual({ code: c.code, message });
        expect(doc.proxy).toBe(route);
        expect(proxy.open(), 'nothing left open at the proxy').toBe(0);
      },
    );
  }

  it('exits 7 when the proxy is down, naming it', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const route = `http://${formatHostPort(await closedPort())}`;
    const result = await runCli(
      defer,
      ['discover', '--reflector', '127.0.0.1:9', '--proxy', route],
      25_000,
      CLEAN_ENV,
    );
    expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(7);
    expect(result.stderr).toMatch(
      new RegExp(`^idlescope: cannot reach proxy ${route}: .*ECONNREFUSED.*\\n$`),
    );
  });

  it(
    'exits 2 on an unknown proxy scheme, before anything opens, naming where it came from',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const flag = await runCli(
        defer,
        ['discover', '--reflector', '127.0.0.1:9', '--proxy', 'ftp://p:21', '--json'],
        25_000,
        CLEAN_ENV,
      );
      expect(flag.code).toBe(2);
      expect(flag.stdout, 'nothing on stdout, as for any usage error').toBe('');
      expect(flag.stderr).toBe(
        'idlescope: --proxy: bad proxy URL "ftp://p:21": unknown scheme "ftp": use http, https, socks5, socks5h\n',
      );
      const env = await runCli(defer, ['discover', '--reflector', '127.0.0.1:9'], 25_000, {
        ...CLEAN_ENV,
        ALL_PROXY: 'socks4://p:1080',
      });
      expect(env.code).toBe(2);
      expect(env.stderr).toBe(
        'idlescope: ALL_PROXY: bad proxy URL "socks4://p:1080": unknown scheme "socks4": use http, https, socks5, socks5h\n',
      );
    },
  );
});
