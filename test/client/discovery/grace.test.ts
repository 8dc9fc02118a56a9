import { describe, expect, it } from 'vitest';
import {
  INITIAL_RTO_MS,
  LINUX_MIN_RTO_MS,
  graceForMs,
  rtoFromRttMs,
} from '../../../client/discovery/grace.js';

const DEFAULT_MS = 1500;

describe('the grace for a test', () => {
  it("is the user's --grace whatever the RTT", () => {
    expect(graceForMs(300, 40, DEFAULT_MS)).toBe(300);
    expect(graceForMs(5000, 40, DEFAULT_MS), 'above the default too').toBe(5000);
    expect(graceForMs(300, 0, DEFAULT_MS), 'before any RTT').toBe(300);
  });

  it('is the default until the RTT is measured', () => {
    expect(graceForMs(null, 0, DEFAULT_MS)).toBe(DEFAULT_MS);
  });

  it('covers two retransmissions at the RTO one sample gives, never less than the initial RTO', () => {
    expect(rtoFromRttMs(40), 'RTT + tcp_rto_min').toBe(40 + LINUX_MIN_RTO_MS);
    expect(rtoFromRttMs(150), 'RTT + 2 RTT').toBe(450);
    const grace = graceForMs(null, 40, DEFAULT_MS);
    expect(grace).toBe(INITIAL_RTO_MS);
    expect(grace, 'one retransmission at the initial RTO').toBeGreaterThanOrEqual(INITIAL_RTO_MS);
    expect(graceForMs(null, 120, DEFAULT_MS), '3 x (120 + 240) ms').toBe(1080);
    expect(grace, 'sooner than the default on a short path').toBeLessThan(DEFAULT_MS);
  });

  it('never exceeds the default: a long path keeps it', () => {
    expect(graceForMs(null, 170, DEFAULT_MS)).toBe(DEFAULT_MS);
    expect(graceForMs(null, 2000, DEFAULT_MS)).toBe(DEFAULT_MS);
  });
});
