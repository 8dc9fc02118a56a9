/**
 * A control channel that drops in the middle of a run is resumed, and the idle probes the
 * reflector kept for the session go on being measured: the run completes with a right bracket.
 *
 *   client ──► cutter (severs the first connection, the control channel, once) ──► emulator ──► reflector
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../client/discovery/discovery-run.js';
import type { HostPort } from '../../protocol/address.js';
import { startStack } from '../helpers/loopback-stack.js';
import { useTeardown, within, type Defer } from '../helpers/teardown.js';

/** Relays every connection to `target`; cut() destroys the first one it accepted, both legs. */
async function startCutter(
  defer: Defer,
  target: HostPort,
): Promise<{ address: HostPort; cut: () => boolean }> {
  const sockets = new Set<net.Socket>();
  let first: [net.Socket, net.Socket] | null = null;
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      s.on('error', () => {});
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    first ??= [client, upstream];
  });
  defer(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
  return {
    address,
    cut: () => {
      if (first === null) return false;
      first[0].resetAndDestroy();
      first[1].resetAndDestroy();
      return true;
    },
  };
}

describe('control channel lost mid-run', () => {
  it('is resumed and the run completes with the timeout bracketed', async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const timeoutS = 3;
    const { front } = await startStack(defer, { mode: 'drop', timeoutMs: timeoutS * 1000 });
    const cutter = await startCutter(defer, front);
    const stop = new AbortController();
    defer(() => stop.abort());
    const run = runDiscovery({
      reflector: cutter.address,
      dial: cutter.address,
      minS: 1,
      maxS: 3 * timeoutS,
      resolutionS: null,
      connections: 16,
      directions: ['inbound', 'outbound'],
      graceS: null,
      signal: stop.signal,
    });
    // Mid-search: probes are idle and the frontier has not reached T yet.
    const cutTimer = setTimeout(
      () => expect(cutter.cut(), 'the control connection existed').toBe(true),
      1800,
    );
    defer(() => clearTimeout(cutTimer));
    const { report, end } = await within(run, 60_000, 'discovery across a control drop');
    expect(end, 'the run completed').toBe('complete');
    expect(report.aborted).toBeNull();
    for (const direction of ['inbound', 'outbound'] as const) {
      const r = report.directions[direction];
      // 150 ms: the emulator shares this process's event loop (see discovery-modes.slow-net.test.ts).
      expect(r?.survivedMs, `${direction} survived`).toBeLessThanOrEqual(timeoutS * 1000 + 150);
      expect(r?.evictedMs, `${direction} evicted`).toBeGreaterThanOrEqual(timeoutS * 1000 - 150);
      expect(r?.eviction).toBe('silent-drop');
      expect(r?.notes.join(' '), 'the report says the session was resumed').toContain('session was resumed');
    }
  });
});
