/**
 * What `discover` keeps of a run besides printing it: the JSON saved in the history (by default
 * under the user's state directory; --save DIR elsewhere, --no-save not at all), the comparison
 * with earlier runs from the same network, and with --html FILE the self-contained HTML page.
 *
 * Keeping never costs the measurement: the report is printed whatever happens here, and a failure
 * (a history directory that cannot be written, an HTML path that cannot be) is returned to be told
 * after it, with its own exit code when the run itself succeeded.
 */
import { writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { compareWithHistory } from '../history/run-comparison.js';
import { listRuns, saveRun } from '../history/run-store.js';
import { defaultHistoryDir } from '../history/state-dir.js';
import { toJsonReport, type DiscoveryReport } from '../report/report.js';
import { IdlescopeError, ReportFileError, asIdlescopeError, describeCause } from '../../protocol/errors.js';
import type { CliIo } from './cli-io.js';

export interface KeepFlags {
  html?: string | undefined;
  /** A directory, or false for --no-save; undefined: the default history directory. */
  save?: string | false | undefined;
}

/** What keeping added: lines for the text report, and the first failure, if any. */
export interface Kept {
  lines: string[];
  error: IdlescopeError | null;
}

/** A run's keeper: called with the finished report before it is printed. */
export type RunKeeper = (report: DiscoveryReport) => Promise<Kept>;

export function withKeepFlags<T>(yargs: Argv<T>): Argv<T & KeepFlags> {
  return yargs
    .option('html', {
      type: 'string',
      requiresArg: true,
      describe: 'also write the report as one self-contained HTML page to FILE',
    })
    .option('save', {
      type: 'string',
      requiresArg: true,
      describe:
        `save the run's JSON in DIR (default: the history, ${defaultHistoryDir()}; ` +
        '--no-save: not at all)',
    }) as unknown as Argv<T & KeepFlags>;
}

export function runKeeper(
  flags: KeepFlags,
  io: Pick<CliIo, 'stderr'>,
  now: () => Date = () => new Date(),
): RunKeeper {
  return async (report) => {
    const json = toJsonReport(report);
    const dir = typeof flags.save === 'string' ? flags.save : defaultHistoryDir();
    let error: IdlescopeError | null = null;
    let history: string[] = [];
    try {
      const { runs } = await listRuns(dir);
      history = compareWithHistory(
        json,
        runs.map((r) => r.report),
        now(),
      );
    } catch (e) {
      error ??= asIdlescopeError(e);
    }
    if (flags.save !== false) {
      try {
        io.stderr.write(`idlescope: run saved to ${await saveRun(dir, json)}\n`);
      } catch (e) {
        error ??= asIdlescopeError(e);
      }
    }
    if (flags.html !== undefined) {
      try {
        // Imported on use: a run without --html does not load the page's renderer at start.
        const { renderHtml } = await import('../report/html/html-report.js');
        await writeFile(flags.html, renderHtml(json, { history }));
        io.stderr.write(`idlescope: HTML report written to ${flags.html}\n`);
      } catch (e) {
        error ??= new ReportFileError(flags.html, `cannot write the HTML page: ${describeCause(e)}`, e);
      }
    }
    const lines =
      history.length === 0 ? [] : ['Earlier runs from this network:', ...history.map((l) => `  ${l}`)];
    return { lines, error };
  };
}
