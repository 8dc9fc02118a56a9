import { describe, expect, it } from 'vitest';
import { LogRateLimiter, OVERFLOW_KEY } from '../../reflector/log-rate-limiter.js';

const WINDOW_MS = 60_000;

describe('LogRateLimiter', () => {
  it('admits maxLines per key per window, then counts the rest by event', () => {
    const limiter = new LogRateLimiter({ maxLines: 3, windowMs: WINDOW_MS, maxKeys: 100 });
    const admitted = Array.from({ length: 5 }, (_, i) =>
      limiter.admit('10.0.0.1', i % 2 === 0 ? 'session-start' : 'session-end', i),
    );
    expect(admitted, 'three lines, then none').toEqual([true, true, true, false, false]);
    expect(limiter.admit('10.0.0.2', 'session-start', 5), 'another key has its own budget').toBe(true);
    expect(limiter.summary(10), 'suppressed: line 4 (end) and 5 (start), from one key').toEqual({
      byEvent: { 'session-end': 1, 'session-start': 1 },
      total: 2,
      keys: 1,
    });
    expect(limiter.summary(11), 'a summary resets the counts').toBeNull();
  });

  it('gives a key a fresh budget once its window is over, not before', () => {
    const limiter = new LogRateLimiter({ maxLines: 1, windowMs: WINDOW_MS, maxKeys: 100 });
    expect(limiter.admit('a', 'e', 1000), 'first line').toBe(true);
    expect(limiter.admit('a', 'e', 1000 + WINDOW_MS - 1), '1 ms before the window ends').toBe(false);
    expect(limiter.admit('a', 'e', 1000 + WINDOW_MS), 'the next window').toBe(true);
  });

  it('bounds the keys it tracks: new keys share one overflow budget once full', () => {
    const limiter = new LogRateLimiter({ maxLines: 2, windowMs: WINDOW_MS, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) expect(limiter.admit(key, 'e', 0), `key ${key}`).toBe(true);
    const rotating = Array.from({ length: 1000 }, (_, i) => limiter.admit(`rotating-${i}`, 'refused', 1));
    expect(rotating.filter(Boolean).length, 'the overflow key gets one budget for all of them').toBe(2);
    expect(limiter.trackedKeys, 'three keys plus the overflow key').toBe(4);
    expect(limiter.summary(2), 'suppressed under one key').toEqual({
      byEvent: { refused: 998 },
      total: 998,
      keys: 1,
    });
    expect(OVERFLOW_KEY, 'a name no IP can have').toContain(' ');
  });

  it('forgets keys whose window is over at each summary', () => {
    const limiter = new LogRateLimiter({ maxLines: 1, windowMs: WINDOW_MS, maxKeys: 10 });
    limiter.admit('old', 'e', 0);
    limiter.admit('new', 'e', WINDOW_MS / 2);
    limiter.summary(WINDOW_MS);
    expect(limiter.trackedKeys, 'only the key active in the last window').toBe(1);
    expect(limiter.admit('new', 'e', WINDOW_MS), 'its budget was kept, and is spent').toBe(false);
  });
});
