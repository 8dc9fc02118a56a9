/**
 * A discovery whose probes the reflector refuses for its admission limits (too-many-probes here)
 * ends at once with the reflector's words and what to do, instead of waiting on probes that will
 * never open. A real Reflector on 127.0.0.1 port 0, no middlebox.
 */
import { describe, expect, it } from 'vitest';
import { runDiscovery } from '../../../client/discovery/discovery-run.js';
import { Reflector } from '../../../reflector/reflector.js';
import { loopbackDiscovery } from '../../helpers/loopback-discovery.js';
import { useTeardown } from '../../helpers/teardown.js';

describe('a discovery refused probes', () => {
  it('ends with the refusal in words', { timeout: 20_000 }, async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const reflector = new Reflector({ closeHandshakeMs: 200, maxProbesPerSession: 4 });
    defer(() => reflector.close());
    const address = await reflector.listen('127.0.0.1', 0);
    const stop = new AbortController();
    defer(() => stop.abort());
    const startedMs = performance.now();
    const outcome = await runDiscovery({ ...loopbackDiscovery(address, 30, stop.signal), connections: 16 });
    const tookMs = performance.now() - startedMs;
    expect(outcome.end, 'the run ended because of the reflector').toBe('reflector-lost');
    expect(outcome.error?.message, 'with its words and the way out').toMatch(
      /too-many-probes: probe \d+ refused: a session may hold 4 probes \(lower --connections, or raise the reflector's --max-probes-per-session\)/,
    );
    expect(tookMs, 'at once, not after --max').toBeLessThan(5000);
  });
});
