/**
 * What the benchmarks that open real loopback connections in a child process share: a memory
 * sample taken after forced GC, a bounded parallel opener, and a bounded wait on an event.
 * Used by the memory table's child (memory-child.ts) and the reflector capacity bench
 * (bench/reflector/). Every wait here is bounded by the caller's deadline or its own timer.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Connections being opened at once: well under the listen backlog (511), so no SYN is dropped. */
export const IN_FLIGHT = 128;

/** Process memory after four forced GCs (the process must run with --expose-gc). */
export async function sampleMemory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(40);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

/** Runs `open(i)` for i in [0, n) with at most IN_FLIGHT pending; resolves with how many succeeded. */
export async function openAll(
  n: number,
  deadlineMs: number,
  open: (i: number) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (next < n && performance.now() < deadlineMs) {
      const i = next++;
      if (await open(i)) ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, n) }, worker));
  return ok;
}

/**
 * Resolves with what `register`'s `done` is first called with, or false after `ms`. `register`
 * installs the listeners and returns the function that removes them; it runs once either way.
 */
export function within(ms: number, register: (done: (ok: boolean) => void) => () => void): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unregister();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), ms);
    const unregister = register(finish);
  });
}
