/**
 * The run history on disk: one JSON report per discover run, in one directory, named by when it
 * started and the network it ran from (`2026-12-01T18-03-22.123Z_198.51.100.7.json`), so a plain
 * `ls` lists them in order. A file is written to a temporary name and renamed, so a reader never
 * sees half a report; files that are not reports are passed over, counted, never deleted.
 */
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HistoryError } from '../../protocol/errors.js';
import type { JsonReport } from '../report/report.js';
import { readReportFile } from '../report/report-file.js';
import { summarizeRun } from './run-summary.js';

export interface SavedRun {
  file: string;
  report: JsonReport;
}

/** A name that sorts by time and says the network; only characters every file system takes. */
export function runFileName(report: JsonReport, now: Date = new Date()): string {
  const started = report.started_at ?? now.toISOString();
  const network = summarizeRun(report).network ?? 'unknown-network';
  const safe = (text: string): string => text.replace(/[^0-9A-Za-z.-]+/g, '-');
  return `${safe(started.replace(/:/g, '-'))}_${safe(network)}.json`;
}

/** Saves a run's report in `dir` (made if missing); resolves with the file written. */
export async function saveRun(dir: string, report: JsonReport): Promise<string> {
  const file = join(dir, runFileName(report));
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(temporary, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    throw new HistoryError(dir, error);
  }
  return file;
}

/**
 * Every saved run in `dir`, oldest first, and how many files were not readable reports. A missing
 * directory is an empty history.
 */
export async function listRuns(dir: string): Promise<{ runs: SavedRun[]; unreadable: number }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], unreadable: 0 };
    throw new HistoryError(dir, error);
  }
  const runs: SavedRun[] = [];
  let unreadable = 0;
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = join(dir, name);
    try {
      runs.push({ file, report: await readReportFile(file) });
    } catch {
      unreadable++;
    }
  }
  const key = (run: SavedRun): string => run.report.started_at ?? '';
  runs.sort((a, b) => key(a).localeCompare(key(b)) || a.file.localeCompare(b.file));
  return { runs, unreadable };
}
