/**
 * `idlescope report RUN.json --html out.html`: any saved run (the history's, or a `discover
 * --json` output) as the self-contained HTML page, compared with the earlier runs from its network
 * found in the history.
 */
import { writeFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { compareWithHistory } from '../history/run-comparison.js';
import { listRuns } from '../history/run-store.js';
import { defaultHistoryDir } from '../history/state-dir.js';
import { readReportFile } from '../report/report-file.js';
import { ReportFileError, describeCause } from '../../protocol/errors.js';
import { EXIT, type CliIo } from './cli-io.js';

interface ReportArgs {
  file: string;
  html: string;
  history: string | undefined;
}

export function reportCommand(io: CliIo): CommandModule<object, ReportArgs> {
  return {
    command: 'report <file>',
    describe: 'render a saved run (its JSON report) as a self-contained HTML page',
    builder: (yargs) =>
      yargs
        .positional('file', { type: 'string', demandOption: true, describe: 'a saved JSON report' })
        .option('html', {
          type: 'string',
          demandOption: true,
          requiresArg: true,
          describe: 'where to write the page ("-": standard output)',
        })
        .option('history', {
          type: 'string',
          requiresArg: true,
          describe: `the run history to compare with (default: ${defaultHistoryDir()})`,
        }) as unknown as Argv<ReportArgs>,
    handler: async (args) => {
      const report = await readReportFile(args.file);
      const { runs } = await listRuns(args.history ?? defaultHistoryDir());
      const history = compareWithHistory(
        report,
        runs.map((r) => r.report),
        new Date(),
      );
      const { renderHtml } = await import('../report/html/html-report.js');
      const page = renderHtml(report, { history });
      if (args.html === '-') {
        io.stdout.write(page);
      } else {
        try {
          await writeFile(args.html, page);
        } catch (error) {
          throw new ReportFileError(args.html, `cannot write the HTML page: ${describeCause(error)}`, error);
        }
        io.stderr.write(`idlescope: HTML report written to ${args.html}\n`);
      }
      io.setExitCode(EXIT.measured);
    },
  };
}
