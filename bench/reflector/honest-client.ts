/**
 * The honest client: a short real discovery (both directions, 16 connections, --min 1 --max 9)
 * through the demo's MiddleboxEmulator on its own thread, idle timeout T = 3 s, in front of the
 * reflector under test. What it reports is what a user would see: how long the run took and the
 * bracket it found per direction. Bounded: aborted after `limitMs` (the result then says so).
 * Everything it starts (the emulator's thread, the discovery's sockets) is stopped before it returns.
 */
import { runDiscovery, type DiscoveryEnd } from '../../client/discovery/discovery-run.js';
import { EmulatorThread } from '../../client/demo/emulator-thread.js';
import type { Direction } from '../../client/search/types.js';

export const HONEST_TIMEOUT_S = 3;
const HONEST_MAX_S = 3 * HONEST_TIMEOUT_S;
const HONEST_CONNECTIONS = 16;

export interface Bracket {
  /** Longest idle that survived, seconds (null: none). */
  survivedS: number | null;
  /** Shortest idle evicted, seconds (null: none). */
  evictedS: number | null;
}

export interface HonestResult {
  wallMs: number;
  end: DiscoveryEnd | 'timed-out' | 'failed';
  brackets: Record<Direction, Bracket | null>;
  error: string | null;
}

const seconds = (ms: number | null | undefined): number | null =>
  ms === null || ms === undefined ? null : Math.round(ms) / 1000;

export async function honestDiscovery(reflectorPort: number, limitMs: number): Promise<HonestResult> {
  const emulator = new EmulatorThread({
    target: { host: '127.0.0.1', port: reflectorPort },
    timeoutMs: HONEST_TIMEOUT_S * 1000,
    mode: 'drop',
  });
  const stop = new AbortController();
  emulator.once('failed', (error) => stop.abort(error));
  const started = performance.now();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, limitMs);
  try {
    const front = await emulator.listen();
    const { report, end, error } = await runDiscovery({
      reflector: front,
      dial: front,
      minS: 1,
      maxS: HONEST_MAX_S,
      resolutionS: null,
      connections: HONEST_CONNECTIONS,
      directions: ['inbound', 'outbound'],
      graceS: null,
      signal: stop.signal,
    });
    const bracket = (d: Direction): Bracket | null => {
      const r = report.directions[d];
      return r === undefined ? null : { survivedS: seconds(r.survivedMs), evictedS: seconds(r.evictedMs) };
    };
    return {
      wallMs: Math.round(performance.now() - started),
      end: timedOut && end === 'interrupted' ? 'timed-out' : end,
      brackets: { inbound: bracket('inbound'), outbound: bracket('outbound') },
      error: error === null ? null : error.message,
    };
  } catch (error) {
    return {
      wallMs: Math.round(performance.now() - started),
      end: 'failed',
      brackets: { inbound: null, outbound: null },
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
    await emulator.close();
  }
}
