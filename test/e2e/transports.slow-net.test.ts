/**
 * Discovery end to end over each transport on loopback, in-process: runDiscovery over tls, ws and
 * wss (the control channel following: wss with TLS) → the userspace middlebox emulator → a Reflector
 * with a self-signed certificate the client pins. The emulator relays bytes, so what it evicts is
 * the TLS or WebSocket connection as a whole, exactly as it evicts raw TCP: each transport must
 * bracket T like tcp (test/e2e/discovery-modes.slow-net.test.ts) and tell the eviction the same way
 * (a FIN without close_notify or close frame is a close; an RST a reset). The report names the
 * transport and the TLS version. Slow (real time): the runs go concurrently, about 10 s.
 */
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../client/discovery/discovery-run.js';
import { createTransport } from '../../client/transport/transports.js';
import type { TransportName } from '../../client/transport/probe-transport.js';
import type { MiddleboxMode } from '../../client/demo/middlebox-emulator.js';
import type { Direction, EvictionKind } from '../../client/search/types.js';
import { selfSignedIdentity } from '../../reflector/self-signed.js';
import { startStack } from '../helpers/loopback-stack.js';
import { loopbackDiscovery } from '../helpers/loopback-discovery.js';
import { useTeardown, within } from '../helpers/teardown.js';
import { expectBracketAround } from '../helpers/expect-bracket.js';

const identity = await selfSignedIdentity();

const EXPECTED: Record<'drop' | 'reset' | 'close', Record<Direction, EvictionKind>> = {
  drop: { inbound: 'silent-drop', outbound: 'silent-drop' },
  reset: { inbound: 'silent-drop', outbound: 'reset' },
  close: { inbound: 'close', outbound: 'close' },
};

const CASES: { transport: TransportName; mode: keyof typeof EXPECTED; timeoutS: number }[] = [
  { transport: 'tls', mode: 'drop', timeoutS: 2.5 },
  { transport: 'ws', mode: 'drop', timeoutS: 2.5 },
  { transport: 'wss', mode: 'drop', timeoutS: 2.5 },
  { transport: 'tls', mode: 'close', timeoutS: 2.3 },
  { transport: 'wss', mode: 'reset', timeoutS: 2.3 },
];

describe.concurrent('discovery over each transport through the middlebox emulator', () => {
  for (const c of CASES) {
    it(
      `${c.transport}, ${c.mode} at T = ${c.timeoutS} s`,
      { timeout: 80_000 },
      async ({ onTestFinished }) => {
        const defer = useTeardown(onTestFinished);
        const timeoutMs = c.timeoutS * 1000;
        const mode: MiddleboxMode = c.mode;
        const { emulator, front } = await startStack(defer, {
          mode,
          timeoutMs,
          reflector: { tls: identity },
        });
        const stop = new AbortController();
        defer(() => stop.abort());
        const transport = createTransport(c.transport, { pin: identity.fingerprint });
        const { report, end } = await within(
          runDiscovery({ ...loopbackDiscovery(front, 3 * c.timeoutS, stop.signal), transport }),
          75_000,
          `discovery over ${c.transport} through ${c.mode} at T = ${c.timeoutS} s`,
        );
        expect(end, 'the run completed').toBe('complete');
        expect(report.transport, 'the report names the transport').toBe(c.transport);
        expect(report.tlsVersion, 'and the TLS version').toBe(c.transport === 'ws' ? null : 'TLSv1.3');
        for (const direction of ['inbound', 'outbound'] as const) {
          const result = report.directions[direction];
          const label = `${c.transport} ${c.mode} T=${c.timeoutS} s ${direction}`;
          expect(result, `${label}: tested`).toBeDefined();
          expectBracketAround(result!, timeoutMs, label);
          expect(result!.eviction, `${label}: eviction kind`).toBe(EXPECTED[c.mode][direction]);
        }
        expect(emulator.stats().evicted, 'the emulator evicted connections').toBeGreaterThan(0);
      },
    );
  }
});
