import { describe, expect, it } from 'vitest';
import { directionResult as result } from '../../helpers/direction-result.js';
import { answerLine, type AnswerInput } from '../../../client/report/answer-line.js';
import { recommend } from '../../../client/report/recommendation.js';
import type { Direction, DirectionResult } from '../../../client/search/types.js';
import type { VerificationResult } from '../../../client/verification/verification-run.js';

function input(
  directions: Partial<Record<Direction, DirectionResult>>,
  extra: Partial<AnswerInput> = {},
): AnswerInput {
  const recommendation = recommend(directions, { aborted: extra.aborted != null });
  const limitingResult = recommendation.limitingDirection && directions[recommendation.limitingDirection];
  return {
    limiting:
      limitingResult === undefined || limitingResult === null
        ? null
        : { direction: recommendation.limitingDirection!, result: limitingResult },
    recommendation,
    verification: null,
    aborted: null,
    elapsedMs: 30_000,
    ...extra,
  };
}

describe('answerLine', () => {
  it('a NAT: the bracket, the direction, how, and the keepalive', () => {
    expect(answerLine(input({ inbound: result('inbound', 349_500, 350_400, 'silent-drop') }))).toBe(
      'Idle connections die after 349.5-350.4 s (inbound, silent drop): ' +
        'use TCP keepalive idle 245 s, interval 34 s, count 3',
    );
  });

  it('a terminating proxy: the heartbeat, since TCP keepalive does not help', () => {
    const line = answerLine(input({ outbound: result('outbound', 59_400, 60_100, 'close') }));
    expect(line).toBe(
      'Idle connections die after 59.4-60.1 s (outbound, closed by a proxy): ' +
        'use an application heartbeat every 29 s (TCP keepalive does not help here)',
    );
  });

  it('a wide bracket reads as the range it is', () => {
    expect(answerLine(input({ inbound: result('inbound', 12_000, 40_000, 'reset') }))).toMatch(
      /^Idle connections die after more than 12\.0 s, at most 40\.0 s \(inbound, reset\): /,
    );
  });

  it('says whether the verification proved it', () => {
    const proven = { keepalive: { verdict: 'proven' }, heartbeat: null } as unknown as VerificationResult;
    const failed = { keepalive: { verdict: 'failed' }, heartbeat: null } as unknown as VerificationResult;
    const nat = { inbound: result('inbound', 29_400, 30_100, 'silent-drop') };
    expect(answerLine(input(nat, { verification: proven }))).toMatch(/count 3 \(verified on this path\)$/);
    expect(answerLine(input(nat, { verification: failed }))).toMatch(/\(FAILED on this path: see below\)$/);
  });

  it('no eviction up to --max: no keepalive needed', () => {
    expect(answerLine(input({ inbound: result('inbound', 7_440_000, null, null) }))).toBe(
      'No idle timeout up to 7440.0 s (2 h 4 min): no keepalive is needed to keep this path open',
    );
  });

  it('a run stopped before any eviction has no answer yet, and says why', () => {
    expect(
      answerLine(
        input(
          { inbound: result('inbound', 2_500, null, null) },
          { aborted: 'interrupted', elapsedMs: 12_000 },
        ),
      ),
    ).toBe('No answer yet: the run ended after 12.0 s (interrupted), before any eviction');
  });

  it('a partial result with an eviction says so', () => {
    const line = answerLine(
      input({ inbound: result('inbound', 29_400, 30_100, 'reset') }, { aborted: 'reflector lost' }),
    );
    expect(line).toMatch(
      /^Idle connections die after 29\.4-30\.1 s \(inbound, reset\): .* \[partial result\]$/,
    );
  });
});
