/**
 * The memory table: each measurement runs in its own child process (bench/memory-child.ts), so
 * one run's garbage and sockets never pollute the next. Real sockets on 127.0.0.1, port 0. The
 * numbers are process memory (RSS and V8 heap after GC) per idle probe connection pair. RSS moves
 * by KiBs per connection between runs at N = 1000 (hence the median of several children); the
 * heap figure is steady. This is the one table that is not deterministic.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryChildReport, MemoryMode } from './memory-child.js';
import { median } from './stats.js';

export const MEMORY_COUNTS = [1000, 4000] as const;
export const QUICK_MEMORY_COUNTS = [100] as const;
/** RSS moves in pages and allocator arenas: each figure is the median of this many fresh children. */
export const MEMORY_RUNS = 3;
/** A child that has not answered by then is killed; its row reports the failure. */
const CHILD_LIMIT_MS = 90_000;

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface MemoryMeasurement {
  mode: MemoryMode;
  n: number;
  /** Children run; the figures are their medians. */
  runs: number;
  /** RSS per connection of every run, for the spread. */
  rssPerConnRuns: (number | null)[];
  established: number;
  /** Per established connection pair, bytes (null when the run failed). */
  rssPerConn: number | null;
  heapPerConn: number | null;
  externalPerConn: number | null;
  setupMs: number;
  error: string | null;
}

export interface MemoryRow {
  n: number;
  raw: MemoryMeasurement;
  idlescope: MemoryMeasurement;
}

function runChild(mode: MemoryMode, n: number): Promise<MemoryMeasurement> {
  return new Promise((resolve) => {
    const failed = (error: string): MemoryMeasurement => ({
      mode,
      n,
      runs: 1,
      rssPerConnRuns: [null],
      established: 0,
      rssPerConn: null,
      heapPerConn: null,
      externalPerConn: null,
      setupMs: 0,
      error,
    });
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, mode, String(n)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: CHILD_LIMIT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve(failed(error.message)));
    child.on('close', (code, signal) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      let report: MemoryChildReport;
      try {
        report = JSON.parse(line) as MemoryChildReport;
      } catch {
        resolve(
          failed(
            `child exited ${signal ?? code}: ` +
              `${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`,
          ),
        );
        return;
      }
      const per = (key: 'rss' | 'heapUsed' | 'external'): number | null =>
        report.error !== null || report.established === 0
          ? null
          : Math.round((report.after[key] - report.before[key]) / report.established);
      resolve({
        mode,
        n,
        runs: 1,
        rssPerConnRuns: [per('rss')],
        established: report.established,
        rssPerConn: per('rss'),
        heapPerConn: per('heapUsed'),
        externalPerConn: per('external'),
        setupMs: report.setupMs,
        error: report.error,
      });
    });
  });
}

/** Bytes per connection: the median of the runs, in whole bytes. */
function medianBytes(values: (number | null)[]): number | null {
  const m = median(values);
  return m === null ? null : Math.round(m);
}

/** The median of several runs; the first failure, if any, is kept as the error. */
function combine(runs: MemoryMeasurement[]): MemoryMeasurement {
  const first = runs[0] as MemoryMeasurement;
  const failed = runs.find((r) => r.error !== null);
  return {
    mode: first.mode,
    n: first.n,
    runs: runs.length,
    rssPerConnRuns: runs.map((r) => r.rssPerConn),
    established: Math.min(...runs.map((r) => r.established)),
    rssPerConn: medianBytes(runs.map((r) => r.rssPerConn)),
    heapPerConn: medianBytes(runs.map((r) => r.heapPerConn)),
    externalPerConn: medianBytes(runs.map((r) => r.externalPerConn)),
    setupMs: Math.max(...runs.map((r) => r.setupMs)),
    error: failed === undefined ? null : failed.error,
  };
}

/** Sequential on purpose: two children at once would share the machine's 2 cores and skew setup. */
export async function memoryTable(counts: readonly number[], runs = MEMORY_RUNS): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const n of counts) {
    const raw: MemoryMeasurement[] = [];
    const idlescope: MemoryMeasurement[] = [];
    for (let i = 0; i < runs; i++) {
      raw.push(await runChild('raw', n));
      idlescope.push(await runChild('idlescope', n));
    }
    rows.push({ n, raw: combine(raw), idlescope: combine(idlescope) });
  }
  return rows;
}
