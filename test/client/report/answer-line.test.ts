import { describe, expect, it } from 'vitest';
import { directionResult as result } from '../../helpers/direction-result.js';
import { answerLine } from '../../../client/report/answer-line.js';
import { toJsonReport, type DiscoveryReport, type JsonReport } from '../../../client/report/report.js';

const NO_COST: DiscoveryReport['cost'] = {
  connectionsOpened: 0,
  peakConnections: 0,
  probesSent: 0,
  probeBytes: 0,
  controlBytes: 0,
  packetsEstimate: 0,
};

/** The JSON document of a run with these results, as the text report and the page read it. */
function json(
  directions: DiscoveryReport['directions'],
  extra: { aborted?: string; elapsedMs?: number; verification?: unknown } = {},
): JsonReport {
  const document = toJsonReport({
    reflector: 'reflector.example:7000',
    transport: 'tcp',
    tlsVersion: null,
    elapsedMs: extra.elapsedMs ?? 30_000,
    connectionsUsed: 10,
    aborted: extra.aborted ?? null,
    directions,
    cost: NO_COST,
    verification: null,
  });
  return extra.verification === undefined
    ? document
    : { ...document, verification: extra.verification as JsonReport['verification'] };
}

describe('answerLine', () => {
  it('a NAT: the bracket, the direction, how, and the keepalive', () => {
    expect(answerLine(json({ inbound: result('inbound', 349_500, 350_400, 'silent-drop') }))).toBe(
      'Idle connections die after 349.5-350.4 s (inbound, silent drop): ' +
        'use TCP keepalive idle 245 s, interval 34 s, count 3',
    );
  });

  it('a terminating proxy: the heartbeat, since TCP keepalive does not help', () => {
    expect(answerLine(json({ outbound: result('outbound', 59_400, 60_100, 'close') }))).toBe(
      'Idle connections die after 59.4-60.1 s (outbound, closed by a proxy): ' +
        'use an application heartbeat every 29 s (TCP keepalive does not help here)',
    );
  });

  it('a wide bracket reads as the range it is', () => {
    expect(answerLine(json({ inbound: result('inbound', 12_000, 40_000, 'reset') }))).toMatch(
      /^Idle connections die after more than 12\.0 s, at most 40\.0 s \(inbound, reset\): /,
    );
  });

  it('says whether the verification proved it', () => {
    const nat = { inbound: result('inbound', 29_400, 30_100, 'silent-drop') };
    const proven = { keepalive: { verdict: 'proven' }, heartbeat: null };
    const failed = { keepalive: { verdict: 'failed' }, heartbeat: null };
    expect(answerLine(json(nat, { verification: proven }))).toMatch(/count 3 \(verified on this path\)$/);
    expect(answerLine(json(nat, { verification: failed }))).toMatch(/\(FAILED on this path: see below\)$/);
  });

  it('no eviction up to --max: no keepalive needed', () => {
    expect(answerLine(json({ inbound: result('inbound', 7_440_000, null, null) }))).toBe(
      'No idle timeout up to 7440.0 s (2 h 4 min): no keepalive is needed to keep this path open',
    );
  });

  it('a run stopped before any eviction has no answer yet, and says why', () => {
    expect(
      answerLine(
        json(
          { inbound: result('inbound', 2_500, null, null) },
          { aborted: 'interrupted', elapsedMs: 12_000 },
        ),
      ),
    ).toBe('No answer yet: the run ended after 12.0 s (interrupted), before any eviction');
  });

  it('a partial result with an eviction says so', () => {
    const line = answerLine(
      json({ inbound: result('inbound', 29_400, 30_100, 'reset') }, { aborted: 'reflector lost' }),
    );
    expect(line).toMatch(
      /^Idle connections die after 29\.4-30\.1 s \(inbound, reset\): .* \[partial result\]$/,
    );
  });

  it('a run that never reached the reflector says it failed', () => {
    const failed = {
      ...json({}, { aborted: 'could not reach the reflector' }),
      connections_used: 0,
      error: { code: 'IDLESCOPE_REFLECTOR_UNREACHABLE' as const, message: 'cannot reach 192.0.2.1:7000' },
    };
    expect(answerLine(failed)).toBe('No answer: the run failed: cannot reach 192.0.2.1:7000');
  });
});
