/**
 * Acceptance: `idlescope discover` from a network whose only way out is a forward proxy. The client
 * namespace has no route to the server, only to the proxy in the middlebox namespace
 * (forward-proxies.ts): tinyproxy for HTTP CONNECT (corporate-proxy), and for SOCKS5 (socks) a
 * server written for the lab (fixtures/socks5-proxy.ts: Debian's dante has no idle timeout sharp
 * enough to measure), each with an idle timeout of T for a tunnel. Real namespaces, proxies,
 * reflector and CLI; needs root, iproute2 and tinyproxy (skips with the reason elsewhere, fails
 * under CI=true).
 *
 * - corporate-proxy with --proxy, and with HTTPS_PROXY instead: both directions closed (FIN) with
 *   a bracket around T, the report names the proxy, the recommendation is the heartbeat (TCP
 *   keepalive towards a proxy does not keep the far side alive), and the verification proves it:
 *   keepalive failed, heartbeat proven.
 * - corporate-proxy without a proxy setting: exit 3 at once, the unreachable address named
 *   (ENETUNREACH: no route, so no SYN waits for a timeout).
 * - socks with --proxy socks5://: the same.
 *
 * Tolerance: tinyproxy closes an idle tunnel when its poll() of both sockets times out after T s,
 * and the lab's SOCKS5 server on a timer of T: both sharp like haproxy, so the discovery suite's
 * 250 ms (the client's stamp lag under load) holds. Measured: tinyproxy (4.835, 5.001] and
 * (4.836, 4.968] for T = 5; SOCKS5 (4.973, 5.019] and (5.003, 5.069]. About 60 s for the four runs,
 * two at a time.
 */
import { afterAll, expect, it } from 'vitest';
import { describeLab } from './describe-lab.js';
import { createLab, labAvailability, type Lab, type Scenario } from './lab.js';
import { runDiscoveryInLab, type LabDiscoveryResult } from './discovery.js';
import { createLimiter } from './limit.js';
import { listLabNamespaces, processPrefix } from './namespaces.js';
import { ADDR } from './scenarios.js';

const MAX_PARALLEL_RUNS = 2;
const CASE_TIMEOUT_MS = 150_000;
const PORT = 7000;
const TOLERANCE_S = 0.25;
const DIRECTIONS = ['inbound', 'outbound'] as const;

interface LabVerification {
  keepalive: { verdict: string } | null;
  heartbeat: { verdict: string } | null;
}

const availability = await labAvailability(['corporate-proxy', 'socks']);
const unavailable = availability.ok ? null : availability.reason;

describeLab('idlescope discover through a forward proxy in the lab', unavailable, () => {
  const limit = createLimiter(MAX_PARALLEL_RUNS);
  const labs = new Set<Lab>();

  afterAll(async () => {
    await Promise.all([...labs].map((lab) => lab.destroy()));
    expect(await listLabNamespaces(processPrefix()), 'namespaces left behind by this run').toEqual([]);
  });

  /** Builds the lab, runs discover with `args(lab)` and `env(lab)`, tears the lab down, returns both. */
  const discover = (
    scenario: Scenario,
    timeoutS: number,
    args: (lab: Lab) => string[],
    env: (lab: Lab) => Record<string, string> = () => ({}),
  ): Promise<{ result: LabDiscoveryResult; proxyUrl: string | null }> =>
    limit(async () => {
      const lab = await createLab({ scenario, timeoutS });
      labs.add(lab);
      try {
        const result = await runDiscoveryInLab(lab, args(lab), {
          port: PORT,
          timeoutMs: CASE_TIMEOUT_MS,
          env: env(lab),
        });
        return { result, proxyUrl: lab.proxyUrl };
      } finally {
        await lab.destroy();
        labs.delete(lab);
      }
    });

  const search = (timeoutS: number): string[] => ['--min', '1', '--max', String(3 * timeoutS)];

  const CASES = [
    { scenario: 'corporate-proxy', timeoutS: 5, how: '--proxy' },
    { scenario: 'corporate-proxy', timeoutS: 6, how: 'HTTPS_PROXY' },
    { scenario: 'socks', timeoutS: 5, how: '--proxy' },
  ] as const;

  for (const { scenario, timeoutS, how } of CASES) {
    it.concurrent(
      `${scenario}, T = ${timeoutS} s, the proxy from ${how}: both directions closed at T, the proxy ` +
        'named, the heartbeat recommended and proven',
      async () => {
        const { result, proxyUrl } = await discover(
          scenario,
          timeoutS,
          (lab) => [...search(timeoutS), ...(how === '--proxy' ? ['--proxy', lab.proxyUrl ?? ''] : [])],
          (lab) => (how === 'HTTPS_PROXY' ? { HTTPS_PROXY: lab.proxyUrl ?? '' } : {}),
        );
        const { report } = result;
        const why =
          `${scenario} T=${timeoutS} s via ${how}\n${JSON.stringify(report.directions)}\n` +
          `stderr: ${result.stderr.slice(-1500)}`;
        expect(result.exitCode, `exit code\n${why}`).toBe(0);
        expect(proxyUrl, 'the lab has a proxy').toMatch(/^(http|socks5):\/\/10\.211\.1\.1:\d+$/);
        expect(report['proxy'], `the report names the proxy\n${why}`).toBe(proxyUrl);
        const tolerance = TOLERANCE_S;
        for (const direction of DIRECTIONS) {
          const r = report.directions[direction];
          expect(r?.eviction, `${direction} closed with FIN by the proxy\n${why}`).toBe('close');
          expect(
            r?.survived_s,
            `${direction} survived bound <= T + ${tolerance}\n${why}`,
          ).toBeLessThanOrEqual(timeoutS + tolerance);
          expect(
            r?.evicted_s,
            `${direction} evicted bound >= T - ${tolerance}\n${why}`,
          ).toBeGreaterThanOrEqual(timeoutS - tolerance);
          expect(
            (r?.evicted_s ?? Infinity) - (r?.survived_s ?? 0),
            `${direction} bracket at most 1 s wide\n${why}`,
          ).toBeLessThanOrEqual(1);
        }
        const recommendation = report.recommendation as {
          tcp_keepalive_helps: boolean;
          heartbeat_s: number | null;
          reasons: string[];
        };
        expect(recommendation.tcp_keepalive_helps, `keepalive does not help through a proxy\n${why}`).toBe(
          false,
        );
        expect(recommendation.reasons[0], why).toMatch(
          new RegExp(
            `^Every connection went through the proxy ${proxyUrl}: the timeout found is the whole path's`,
          ),
        );
        expect(recommendation.reasons.join(' '), why).toContain(
          'TCP keepalive towards a proxy does not keep the far side alive',
        );
        const verification = report['verification'] as LabVerification | null;
        expect(verification?.heartbeat?.verdict, `the heartbeat holds the tunnel open\n${why}`).toBe(
          'proven',
        );
        expect(verification?.keepalive?.verdict, `TCP keepalive does not\n${why}`).toBe('failed');
      },
      CASE_TIMEOUT_MS,
    );
  }

  it.concurrent(
    'corporate-proxy without a proxy setting: exit 3 at once, naming the address it has no route to',
    async () => {
      const { result } = await discover('corporate-proxy', 5, () => search(5));
      const reflector = `${ADDR.server4}:${PORT}`;
      const why = `stderr: ${result.stderr}`;
      expect(result.exitCode, why).toBe(3);
      expect(result.stderr, why).toContain(
        `idlescope: cannot reach reflector ${reflector}: connect ENETUNREACH ${reflector}` +
          ' - Local (0.0.0.0:0); no route to that network: check the address and the network\n',
      );
      expect(report(result).error, why).toMatchObject({ code: 'IDLESCOPE_REFLECTOR_UNREACHABLE' });
      // No route fails the connect() itself: no SYN is sent, nothing waits for the 10 s connect timeout.
      // The report's elapsed_s is from the run's start to the failure, the CLI's start-up left out.
      expect(result.report['elapsed_s'], `fails at once\n${why}`).toBeLessThan(1);
    },
    CASE_TIMEOUT_MS,
  );
});

function report(result: LabDiscoveryResult): { error?: { code: string; message: string } } {
  return result.report as { error?: { code: string; message: string } };
}
