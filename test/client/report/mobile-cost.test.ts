import { describe, expect, it } from 'vitest';
import {
  COMMON_PERIODS_S,
  HEARTBEAT_EXCHANGE_BYTES,
  KEEPALIVE_EXCHANGE_BYTES,
  RADIO_TAIL_S,
  mobileCost,
  periodicCost,
} from '../../../client/report/mobile-cost.js';

describe('periodicCost', () => {
  it('a keepalive every 240 s: 15 an hour, 360 exchanges of 104 bytes a day, each waking the radio', () => {
    expect(KEEPALIVE_EXCHANGE_BYTES).toBe(104);
    expect(periodicCost('tcp-keepalive', 240)).toEqual({
      kind: 'tcp-keepalive',
      periodS: 240,
      exchangesPerHour: 15,
      bytesPerDay: 360 * 104,
      radioWakeupsPerDay: 360,
      radioOnSPerDay: 360 * RADIO_TAIL_S,
    });
  });

  it('a heartbeat every 25 s costs more bytes per exchange than a keepalive', () => {
    const cost = periodicCost('heartbeat', 25);
    expect(HEARTBEAT_EXCHANGE_BYTES).toBeGreaterThan(KEEPALIVE_EXCHANGE_BYTES);
    expect(cost.exchangesPerHour).toBe(144);
    expect(cost.bytesPerDay).toBe(3456 * HEARTBEAT_EXCHANGE_BYTES);
    expect(cost.radioWakeupsPerDay).toBe(3456);
  });

  it('a period within the radio tail keeps the radio on all day: one wake-up', () => {
    const cost = periodicCost('heartbeat', RADIO_TAIL_S);
    expect(cost.radioWakeupsPerDay).toBe(1);
    expect(cost.radioOnSPerDay).toBe(86_400);
  });

  it('refuses a period that is not positive', () => {
    expect(() => periodicCost('heartbeat', 0)).toThrow(RangeError);
  });
});

describe('mobileCost', () => {
  it('prices the keepalive where it helps and the heartbeat, beside the common periods', () => {
    const cost = mobileCost({ keepaliveIdleS: 245, heartbeatS: 174, tcpKeepaliveHelps: true });
    expect(cost.recommended.map((c) => [c.kind, c.periodS])).toEqual([
      ['tcp-keepalive', 245],
      ['heartbeat', 174],
    ]);
    expect(cost.common.map((c) => c.periodS)).toEqual([...COMMON_PERIODS_S]);
    expect(COMMON_PERIODS_S).toEqual([25, 270, 900, 1680]);
  });

  it('behind a terminating proxy prices only the heartbeat; with nothing to beat, nothing', () => {
    expect(mobileCost({ keepaliveIdleS: 40, heartbeatS: 29, tcpKeepaliveHelps: false }).recommended).toEqual([
      periodicCost('heartbeat', 29),
    ]);
    expect(
      mobileCost({ keepaliveIdleS: null, heartbeatS: null, tcpKeepaliveHelps: true }).recommended,
    ).toEqual([]);
  });
});
