/**
 * PING floods against the real CLI reflector in a child process (so its memory is its own): the
 * one-test-per-probe rule and the events-per-second cap stop them, the reflector's RSS stays
 * bounded (issue 11: 16 MiB of unread PINGs grew it from 64 MiB to 4.3 GiB), a concurrent honest
 * discovery completes, and SIGTERM during a flood exits 0 within the drain window (it took 20.6 s).
 */
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../client/discovery/discovery-run.js';
import type { HostPort } from '../../protocol/address.js';
import { spawnCli, type CliProcess } from '../helpers/cli.js';
import { sleep, useTeardown, waitFor } from './helpers.js';
import { PingFlooder } from './ping-flooder.js';
import { rawGet, sample } from './raw-http.js';

const MIB = 1024 * 1024;
/** How much the reflector's RSS may grow under the floods (kernel socket buffers are not in it). */
const RSS_GROWTH_LIMIT_BYTES = 64 * MIB;

describe('reflector under a PING flood', () => {
  const defer = useTeardown();

  async function startCli(): Promise<{ cli: CliProcess; address: HostPort }> {
    // A low events cap (the flag's own test too): beside the burst flood in this process, a
    // ping-pong flood makes a few hundred tests a second per session, under the default 2,000.
    // An honest discovery of 8 connections to 2 s makes a few dozen in all.
    const cli = spawnCli(defer, ['reflector', '--listen', '127.0.0.1:0', '--max-events-per-s', '50'], 60_000);
    const line = await cli.stdoutMatches(/^idlescope reflector listening on 127\.0\.0\.1:(\d+)\n$/, 10_000);
    return { cli, address: { host: '127.0.0.1', port: Number(line[1]) } };
  }

  async function metrics(address: HostPort): Promise<string> {
    return (await rawGet(address, '/metrics')).body;
  }

  function floods(address: HostPort): PingFlooder[] {
    const flooders = [new PingFlooder(address, 'burst'), new PingFlooder(address, 'ping-pong')];
    defer(() => flooders.forEach((flooder) => flooder.stop()));
    for (const flooder of flooders) flooder.start();
    return flooders;
  }

  it('stays bounded in memory while a concurrent discovery completes', { timeout: 60_000 }, async () => {
    const { cli, address } = await startCli();
    const rssBefore = sample(await metrics(address), 'process_resident_memory_bytes');
    const flooders = floods(address);
    let rssMax = rssBefore;
    let sampling = true;
    let eventRateSeen = false;
    const sampler = (async () => {
      while (sampling) {
        const now = await metrics(address);
        rssMax = Math.max(rssMax, sample(now, 'process_resident_memory_bytes'));
        eventRateSeen ||= sample(now, 'idlescope_refusals_total{reason="event-rate"}') > 0;
        await sleep(200);
      }
    })();
    const outcome = await runDiscovery({
      reflector: address,
      minS: 1,
      maxS: 2,
      resolutionS: null,
      connections: 8,
      directions: ['inbound', 'outbound'],
      graceS: null,
    });
    // The floods go on until the events cap has ended a ping-pong session (how soon depends on how
    // fast this loaded machine lets it ping), the memory still sampled.
    await waitFor('an event-rate refusal', () => eventRateSeen, 20_000);
    sampling = false;
    await sampler;
    const sent = flooders.reduce((sum, flooder) => sum + flooder.bytesSent, 0);
    for (const flooder of flooders) flooder.stop();
    const after = await metrics(address);
    expect(outcome.error?.message ?? null, 'the honest discovery had no error').toBeNull();
    expect(outcome.end, 'the honest discovery completed beside the flood').toBe('complete');
    expect(sent, 'the flood really flooded (PING bytes written)').toBeGreaterThan(16 * MIB);
    expect(rssMax - rssBefore, `RSS ${rssBefore} -> max ${rssMax} bytes`).toBeLessThan(
      RSS_GROWTH_LIMIT_BYTES,
    );
    expect(
      sample(after, 'idlescope_refusals_total{reason="test-outstanding"}'),
      'burst probes',
    ).toBeGreaterThan(0);
    expect(
      sample(after, 'idlescope_refusals_total{reason="event-rate"}'),
      'ping-pong sessions',
    ).toBeGreaterThan(0);
    cli.child.kill('SIGTERM');
    const result = await cli.exit(5000);
    expect(result.code).toBe(0);
    const lines = result.stderr
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(lines.find((line) => line['reason'] === 'test-outstanding')).toMatchObject({
      event: 'protocol-error',
    });
    // One address floods: after its 20 lines a minute the rest is counted in the shutdown summary.
    const eventRateLines = lines.filter((line) => line['reason'] === 'event-rate').length;
    const summary = lines.find((line) => line['event'] === 'log-suppressed') as
      { suppressed: Record<string, number> } | undefined;
    expect(
      eventRateLines + (summary?.suppressed['refused'] ?? 0),
      'the event-rate refusals are logged, as lines or in the summary of suppressed ones',
    ).toBeGreaterThan(0);
  });

  it('exits 0 within the drain window on SIGTERM while the flood goes on', { timeout: 30_000 }, async () => {
    const { cli, address } = await startCli();
    const flooders = floods(address);
    await sleep(1500);
    const [burst, pingPong] = flooders as [PingFlooder, PingFlooder];
    expect(burst.probesOpened, 'the burst flood is running (its probes reopened)').toBeGreaterThan(8);
    expect(pingPong.echoes, 'the ping-pong flood is running').toBeGreaterThan(0);
    const signalledMs = performance.now();
    cli.child.kill('SIGTERM');
    const result = await cli.exit(10_000);
    const drainMs = performance.now() - signalledMs;
    expect(result.code, `exit code (stderr tail: ${result.stderr.slice(-300)})`).toBe(0);
    // The drain window is the close handshake's 1 s; the rest is process exit and a loaded machine.
    expect(drainMs, 'within the drain window').toBeLessThan(3000);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/"event":"shutdown"/);
  });
});
