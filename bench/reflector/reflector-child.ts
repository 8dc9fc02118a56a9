/**
 * The reflector under test, in a process of its own so that its memory and its event loop are its
 * alone: the real Reflector on 127.0.0.1 port 0, plus an event-loop delay histogram
 * (perf_hooks.monitorEventLoopDelay at 1 ms resolution) that the parent starts and stops around
 * a phase. Spoken to over IPC (ReflectorChildIn / ReflectorChildOut); exits when the parent goes.
 *
 *   node --expose-gc --import tsx bench/reflector/reflector-child.ts
 *
 * Accuracy: the histogram records how late a 1 ms timer fires on this loop, so a p99 of a few ms
 * is the loop's own jitter on a shared 2-core machine; only figures well above that are load.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { MAX_PROBES_PER_SESSION } from '../../protocol/wire.js';
import { Reflector, type ReflectorStats } from '../../reflector/reflector.js';
import { sampleMemory, type MemorySample } from '../loopback-measure.js';
import { exitWhenOrphaned, tellParent as tellAny } from './bench-child.js';

/** Event-loop delay over one phase, in milliseconds. */
export interface LagSummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Timer samples taken: about one per millisecond of the phase when the loop is free. */
  samples: number;
}

/** The process's open-file limit (RLIMIT_NOFILE), from /proc/self/limits; null where unreadable. */
export interface FileLimit {
  soft: number | null;
  hard: number | null;
}

export type ReflectorChildIn =
  { type: 'sample' } | { type: 'lag-start' } | { type: 'lag-stop' } | { type: 'close' };

export type ReflectorChildOut =
  | { type: 'listening'; port: number; fileLimit: FileLimit }
  | { type: 'sample'; memory: MemorySample; stats: ReflectorStats; warnings: number }
  | { type: 'lag-started' }
  | { type: 'lag'; lag: LagSummary }
  | { type: 'closed' };

const HOST = '127.0.0.1';
const NS_PER_MS = 1e6;

const tellParent: (message: ReflectorChildOut) => void = tellAny;

function readFileLimit(): FileLimit {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').split(/\s+/).slice(3, 5);
    const parse = (v: string | undefined): number | null =>
      v === undefined || !/^\d+$/.test(v) ? null : Number(v);
    return { soft: parse(soft), hard: parse(hard) };
  } catch {
    return { soft: null, hard: null };
  }
}

function summary(histogram: IntervalHistogram): LagSummary {
  const ms = (ns: number): number => Math.round((ns / NS_PER_MS) * 100) / 100;
  return {
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
    samples: histogram.count,
  };
}

async function main(): Promise<void> {
  exitWhenOrphaned();
  // The bench holds 15,000 probes in sessions of 10,000 from two addresses: far past the per-session
  // and per-address defaults (reflector/admission-limits.ts), so those are lifted here; the total cap
  // (open-file limit less its reserve and headroom) stays as it is, as a deployment would have it.
  const reflector = new Reflector({
    maxProbesPerSession: MAX_PROBES_PER_SESSION,
    maxConnectionsPerAddress: MAX_PROBES_PER_SESSION * 2,
  });
  let warnings = 0;
  reflector.on('warning', () => warnings++);
  const address = await reflector.listen(HOST, 0);
  let histogram: IntervalHistogram | null = null;
  process.on('message', (message: ReflectorChildIn) => {
    switch (message.type) {
      case 'sample':
        void sampleMemory().then((memory) =>
          tellParent({ type: 'sample', memory, stats: reflector.stats(), warnings }),
        );
        return;
      case 'lag-start':
        histogram?.disable();
        histogram = monitorEventLoopDelay({ resolution: 1 });
        histogram.enable();
        tellParent({ type: 'lag-started' });
        return;
      case 'lag-stop': {
        const measured = histogram;
        histogram = null;
        if (measured === null) {
          tellParent({ type: 'lag', lag: { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 } });
          return;
        }
        measured.disable();
        tellParent({ type: 'lag', lag: summary(measured) });
        return;
      }
      case 'close':
        void reflector.close().then(() => {
          tellParent({ type: 'closed' });
          process.exit(0);
        });
        return;
      default: {
        const never: never = message;
        throw new Error(`unknown message ${JSON.stringify(never)}`);
      }
    }
  });
  tellParent({ type: 'listening', port: address.port, fileLimit: readFileLimit() });
}

await main();
