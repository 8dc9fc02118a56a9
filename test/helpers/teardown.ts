/**
 * Per-test teardown and bounded waits for the end-to-end and CLI suites. `useTeardown(onTestFinished)`
 * takes the test context's own hook, so it works inside concurrent tests; steps run in reverse
 * order of registration, each one even if an earlier one failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export type Teardown = () => unknown;
export type Defer = (step: Teardown) => void;

/** Returns `defer`, which queues a step to run when the test finishes (pass the context's onTestFinished). */
export function useTeardown(onTestFinished: (fn: () => Promise<void>) => void): Defer {
  const steps: Teardown[] = [];
  onTestFinished(async () => {
    const errors: unknown[] = [];
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  return (step) => {
    steps.push(step);
  };
}

/** Resolves with `promise`, or rejects after `ms` naming `what`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 20 ms until it holds, or fails after `ms` naming `what`. */
export async function waitFor(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}
