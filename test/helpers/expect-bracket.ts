/**
 * The end-to-end suites' check of one direction's bracket on loopback: (survived, evicted] must
 * contain T within SLACK_MS, and be as narrow as the default resolution asks.
 */
import { expect } from 'vitest';
import { defaultResolutionMs } from '../../client/search/search-config.js';
import type { DirectionResult } from '../../client/search/types.js';

/**
 * Measurement slack, ms. The client dates a probe's idle from its hello write plus one control RTT,
 * and a survived push from the moment its own event loop reads it; the emulator dates the same idle
 * from the moment ITS event loop relays the hello. All of them share one process here (nine runs at
 * once, on 2 cores), so either clock can lag the other by event-loop latency. Observed: survived at
 * most ~10 ms above the true idle, evicted never below T; 150 ms leaves room for a loaded machine
 * without hiding a real error (the resolution is 1 s).
 */
export const SLACK_MS = 150;

/** The bracket (survived, evicted] must contain T, allowing SLACK_MS, and be as narrow as asked. */
export function expectBracketAround(result: DirectionResult, timeoutMs: number, label: string): void {
  const { survivedMs, evictedMs } = result;
  const observed = { survivedMs, evictedMs, eviction: result.eviction, notes: result.notes };
  const facts = `${label}: ${JSON.stringify(observed)}`;
  expect(survivedMs, `${facts}: something survived`).not.toBeNull();
  expect(evictedMs, `${facts}: something was evicted`).not.toBeNull();
  expect(survivedMs!, `${facts}: the longest survival is below T`).toBeLessThanOrEqual(timeoutMs + SLACK_MS);
  expect(evictedMs!, `${facts}: the shortest eviction is at or above T`).toBeGreaterThanOrEqual(
    timeoutMs - SLACK_MS,
  );
  expect(evictedMs! - survivedMs!, `${facts}: the bracket is within the resolution`).toBeLessThanOrEqual(
    defaultResolutionMs(evictedMs!) + SLACK_MS,
  );
}
