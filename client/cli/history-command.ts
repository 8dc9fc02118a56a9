/**
 * `idlescope history`: the runs saved by discover, oldest first, one line each (when, from which
 * public address, what it found, what it recommended); `--json` for scripts.
 */
import type { Argv, CommandModule } from 'yargs';
import { listRuns } from '../history/run-store.js';
import { summarizeRun } from '../history/run-summary.js';
import { defaultHistoryDir } from '../history/state-dir.js';
import { EXIT, type CliIo } from './cli-io.js';

interface HistoryArgs {
  dir: string | undefined;
  json: boolean;
}

/** Columns padded to their widest cell, two spaces apart. */
function table(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function historyCommand(io: CliIo): CommandModule<object, HistoryArgs> {
  return {
    command: 'history',
    describe: 'list the runs saved by discover (date, public address, result, recommendation)',
    builder: (yargs) =>
      yargs
        .option('dir', {
          type: 'string',
          requiresArg: true,
          describe: `the history directory (default: ${defaultHistoryDir()})`,
        })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'print one JSON document',
        }) as unknown as Argv<HistoryArgs>,
    handler: async (args) => {
      const dir = args.dir ?? defaultHistoryDir();
      const { runs, unreadable } = await listRuns(dir);
      const listed = runs.map((run) => ({ file: run.file, ...summarizeRun(run.report) }));
      if (args.json) {
        const document = {
          dir,
          runs: listed.map((r) => ({
            file: r.file,
            started_at: r.startedAt,
            public_address: r.network,
            reflector: r.reflector,
            timeout_s: r.timeoutS,
            result: r.result,
            recommendation: r.recommendation,
          })),
          unreadable,
        };
        io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      } else if (listed.length === 0) {
        io.stdout.write(`No runs saved in ${dir} yet.\n`);
      } else {
        const rows = [
          ['date (UTC)', 'public address', 'result', 'recommendation', 'reflector'],
          ...listed.map((r) => [
            r.startedAt?.slice(0, 16).replace('T', ' ') ?? '?',
            r.network ?? '?',
            r.result,
            r.recommendation,
            r.reflector,
          ]),
        ];
        const lines = [
          `${listed.length} run${listed.length === 1 ? '' : 's'} saved in ${dir}:`,
          ...table(rows),
        ];
        if (unreadable > 0)
          lines.push(`(${unreadable} file${unreadable === 1 ? '' : 's'} there are not reports)`);
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      io.setExitCode(EXIT.measured);
    },
  };
}
