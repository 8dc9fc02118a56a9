import { describe, expect, it } from 'vitest';
import { createLimiter } from './limit.js';

describe('createLimiter', () => {
  it('never runs more than max tasks at once, and runs them all in order', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => async (): Promise<number> => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return i;
    };
    const first = [0, 1, 2].map((i) => limit(task(i)));
    await first[0];
    // A newcomer arriving just as a slot frees must queue behind the waiter, not overtake it.
    const results = await Promise.all([...first, ...[3, 4].map((i) => limit(task(i)))]);
    expect(results, 'every task resolves with its own value').toEqual([0, 1, 2, 3, 4]);
    expect(peak, 'tasks running at once').toBe(2);
    expect(started, 'start order').toEqual([0, 1, 2, 3, 4]);
  });

  it('frees the slot when a task rejects', async () => {
    const limit = createLimiter(1);
    await expect(
      limit(() => Promise.reject(new Error('boom'))),
      'the rejection passes through',
    ).rejects.toThrow('boom');
    await expect(
      limit(() => Promise.resolve('next')),
      'the next task still runs',
    ).resolves.toBe('next');
  });

  it('rejects a limit that is not a whole number >= 1', () => {
    expect(() => createLimiter(0), 'zero').toThrow(RangeError);
  });
});
