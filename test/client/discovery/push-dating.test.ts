import { describe, expect, it } from 'vitest';
import { pushCrossedAtMs, RETRANSMITTED_PUSH_LATENESS_MS } from '../../../client/discovery/push-dating.js';

const EXPECTED_MS = 10_000;

describe('pushCrossedAtMs', () => {
  it('dates a push that arrives on time at its arrival, not at the estimate', () => {
    expect(pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS + 3), 'arrived 3 ms after the estimate').toBe(
      EXPECTED_MS + 3,
    );
    expect(pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS), 'arrived exactly as estimated').toBe(EXPECTED_MS);
  });

  it('trusts an arrival late by less than the margin: the RTT estimate is that noisy under load', () => {
    expect(pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS + 60), '60 ms late').toBe(EXPECTED_MS + 60);
    const atMargin = EXPECTED_MS + RETRANSMITTED_PUSH_LATENESS_MS;
    expect(pushCrossedAtMs(EXPECTED_MS, atMargin), 'late by exactly the margin').toBe(atMargin);
  });

  it('dates a retransmitted push at the expected time, not a retransmission timeout late', () => {
    expect(pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS + 205), 'one minimum RTO late').toBe(EXPECTED_MS);
    expect(
      pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS + 150),
      'one RTO late while the RTT estimate ran 50 ms long',
    ).toBe(EXPECTED_MS);
    expect(
      pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS + RETRANSMITTED_PUSH_LATENESS_MS + 1),
      'just past the margin',
    ).toBe(EXPECTED_MS);
    expect(pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS + 1200), 'resent more than once').toBe(EXPECTED_MS);
  });

  it('dates a push that arrives earlier than expected at its arrival (the estimate ran long)', () => {
    expect(pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS - 40), '40 ms early').toBe(EXPECTED_MS - 40);
    expect(pushCrossedAtMs(EXPECTED_MS, EXPECTED_MS - 500), 'far earlier').toBe(EXPECTED_MS - 500);
  });
});
