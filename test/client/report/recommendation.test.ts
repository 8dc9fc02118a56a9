import { describe, expect, it } from 'vitest';
import { directionResult as result } from '../../helpers/direction-result.js';
import { keepaliveFor, limitingDirection, recommend } from '../../../client/report/recommendation.js';

describe('keepaliveFor', () => {
  it.each([
    // survived s, idle, interval, heartbeat
    [349.5, 245, 34, 174], // floor(279.6) - 34
    [29.4, 21, 2, 14], // floor(23.52) - 2
    [3600, 2805, 75, 1800], // interval clamped to 75 (Linux default)
    [1200, 885, 75, 600], // floor(960) - 75
    [2, 1, 1, 1], // floor(1.6) - 1 = 0 → 1
    [0.5, 1, 1, 1], // never below 1 s
  ])('survived %d s → idle %d, interval %d, heartbeat %d', (survivedS, idle, interval, heartbeat) => {
    expect(keepaliveFor(survivedS)).toEqual({
      keepaliveIdleS: idle,
      keepaliveIntervalS: interval,
      keepaliveCount: 3,
      heartbeatS: heartbeat,
    });
  });

  it('keeps idle plus one retry within 80% of the surviving idle whenever 1 s allows it', () => {
    for (let s = 5; s <= 100_000; s = Math.ceil(s * 1.07)) {
      const { keepaliveIdleS, keepaliveIntervalS } = keepaliveFor(s);
      expect(keepaliveIdleS + keepaliveIntervalS, `survived ${s} s`).toBeLessThanOrEqual(0.8 * s);
      expect(keepaliveIdleS, `survived ${s} s`).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('limitingDirection', () => {
  it('picks the direction with the lowest eviction bound', () => {
    const picked = limitingDirection({
      outbound: result('outbound', 599_000, 600_500),
      inbound: result('inbound', 29_400, 30_100),
    });
    expect(picked?.direction).toBe('inbound');
    expect(picked?.basis).toBe('timeout');
  });

  it('prefers an evicted direction over one that was never evicted', () => {
    const picked = limitingDirection({
      outbound: result('outbound', 3_600_000, null),
      inbound: result('inbound', 349_500, 350_200, 'reset'),
    });
    expect(picked?.direction).toBe('inbound');
  });

  it('with no eviction anywhere, picks the shortest surviving idle, first recorded on a tie', () => {
    expect(
      limitingDirection({
        inbound: result('inbound', 3_600_000, null),
        outbound: result('outbound', 3_500_000, null),
      })?.direction,
    ).toBe('outbound');
    expect(
      limitingDirection({
        outbound: result('outbound', 3_600_000, null),
        inbound: result('inbound', 3_600_000, null),
      }),
    ).toMatchObject({ direction: 'outbound', basis: 'no-eviction-up-to-max' });
  });

  it('ignores directions without any measurement and returns null when none has one', () => {
    expect(limitingDirection({ inbound: result('inbound', null, null) })).toBeNull();
    expect(limitingDirection({})).toBeNull();
    expect(
      limitingDirection({
        inbound: result('inbound', null, null),
        outbound: result('outbound', 10_000, 12_000),
      })?.direction,
    ).toBe('outbound');
  });
});

describe('recommend', () => {
  it('plans a NAT timeout from the longest surviving idle of the direction that dies first', () => {
    const rec = recommend({
      inbound: result('inbound', 349_500, 350_200, 'reset'),
      outbound: result('outbound', 400_000, null),
    });
    expect(rec).toMatchObject({
      keepaliveIdleS: 245,
      keepaliveIntervalS: 34,
      keepaliveCount: 3,
      heartbeatS: 174,
      basis: 'timeout',
      tcpKeepaliveHelps: true,
      limitingDirection: 'inbound',
      basedOnS: 349.5,
    });
    const text = rec.reasons.join('\n');
    expect(text).toMatch(/inbound direction dies first/);
    expect(text).toMatch(/349\.5 s/);
    expect(text, 'no RFC 8085 note for a heartbeat of 174 s').not.toMatch(/RFC 8085/);
  });

  it('for a terminating proxy says TCP keepalive does not help and points to a heartbeat', () => {
    const rec = recommend({
      inbound: result('inbound', 59_400, 60_100, 'close'),
      outbound: result('outbound', 59_500, 60_200, 'close'),
    });
    expect(rec.tcpKeepaliveHelps).toBe(false);
    expect(rec.basis).toBe('timeout');
    expect(rec.heartbeatS).toBe(29);
    expect(rec.reasons.join('\n')).toMatch(
      /TCP keepalive does not stop a terminating proxy's idle timer.*application heartbeat every 29 s/s,
    );
  });

  it(
    'with no eviction up to max recommends no keepalive for ' +
      'the path, only a per-socket one for dead peers',
    () => {
      const rec = recommend({
        inbound: result('inbound', 7_200_000, null),
        outbound: result('outbound', 7_200_000, null),
      });
      expect(rec).toMatchObject({
        basis: 'no-eviction-up-to-max',
        keepaliveIdleS: null,
        keepaliveIntervalS: null,
        keepaliveCount: null,
        heartbeatS: null,
        basedOnS: 7200,
      });
      expect(rec.deadPeer.onlyForDeadPeers).toBe(true);
      expect(rec.deadPeer.plan).toEqual({ idleS: 60, intervalS: 10, count: 6, userTimeoutMs: 120_000 });
      expect(rec.reasons[0]).toMatch(/No eviction was seen up to 7200 s/);
      expect(rec.reasons.join('\n'), 'no RFC 8085 note: nothing needs that often').not.toMatch(/RFC 8085/);
    },
  );

  it('with no eviction up to a short max, the dead-peer keepalive stays within what survived', () => {
    const rec = recommend({ inbound: result('inbound', 3000, null) });
    expect(rec.keepaliveIdleS).toBeNull();
    const { idleS, intervalS } = rec.deadPeer.plan;
    expect(idleS + intervalS, 'idle plus one retry within the survived 3 s').toBeLessThanOrEqual(3);
  });

  it('stopped before any eviction: basis interrupted, no keepalive', () => {
    const rec = recommend({ inbound: result('inbound', 2500, null) }, { aborted: true });
    expect(rec.basis).toBe('interrupted');
    expect(rec.keepaliveIdleS).toBeNull();
    expect(rec.reasons[0]).toMatch(/stopped after 2\.5 s .*before anything was evicted/s);
  });

  it('states the dead-peer detection of the recommended keepalive against the system defaults', () => {
    const rec = recommend({ inbound: result('inbound', 349_500, 350_200, 'reset') });
    expect(rec.deadPeer.onlyForDeadPeers).toBe(false);
    expect(rec.deadPeer.plan).toEqual({ idleS: 245, intervalS: 34, count: 3, userTimeoutMs: 347_000 });
    expect(rec.deadPeer.detection.whileIdleS).toBe(347);
    expect(rec.deadPeer.systemDefault.whileIdleS).toBe(7875);
    expect(rec.reasons.join('\n')).toMatch(
      /fails after 347 s .*instead of 7875 s .*TCP_USER_TIMEOUT to 347000 ms/s,
    );
  });

  it('when nothing survived uses the smallest values and says so', () => {
    const rec = recommend({ outbound: result('outbound', null, 5_000) });
    expect(rec).toMatchObject({
      basis: 'nothing-survived',
      keepaliveIdleS: 1,
      keepaliveIntervalS: 1,
      keepaliveCount: 3,
      heartbeatS: 1,
      tcpKeepaliveHelps: true,
    });
    const text = rec.reasons.join('\n');
    expect(text).toMatch(/Nothing survived/);
    expect(text, 'a 1 s heartbeat is more often than RFC 8085 likes').toMatch(/RFC 8085/);
  });

  it('says TCP keepalive cannot beat an eviction under 1 s', () => {
    const rec = recommend({ outbound: result('outbound', null, 800) });
    expect(rec.tcpKeepaliveHelps).toBe(false);
    expect(rec.reasons.join('\n')).toMatch(/cannot beat a timeout under 1 s.*EINVAL/s);
  });

  it('adds the RFC 8085 note when the heartbeat is under 15 s', () => {
    const rec = recommend({ inbound: result('inbound', 25_000, 26_000) });
    expect(rec.heartbeatS).toBe(12);
    expect(rec.reasons.join('\n')).toMatch(/RFC 8085.*15 s/s);
  });

  it('without any measurement recommends nothing for the path', () => {
    const rec = recommend({});
    expect(rec.basis).toBe('no-data');
    expect(rec.limitingDirection).toBeNull();
    expect(rec.keepaliveIdleS).toBeNull();
    expect(rec.reasons[0]).toMatch(/Nothing was measured.*run again/s);
  });
});
