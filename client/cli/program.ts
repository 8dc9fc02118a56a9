/**
 * The command line as yargs reads it: the commands, -h/--help, -V/--version, examples, the exit
 * codes (from the EXIT table, one source), `idlescope completion`, and the IDLESCOPE_* defaults.
 * Pure of the process: the entry (main.ts) hands in the arguments, the streams, the environment
 * and what to do on a usage failure, and owns the signals and the exit.
 *
 * Each command's module holds its flags; what runs it is imported by its handler, on use, so that
 * `discover` does not wait at start for the reflector's logger, the demo's emulator or the HTML
 * page (test/client/cli/start-up-imports.test.ts lists what it must not load).
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { discoverCommand } from './discover-command.js';
import { demoCommand } from './demo-command.js';
import { reflectorCommand } from './reflector-command.js';
import { verifyCommand } from './verify-command.js';
import { reportCommand } from './report-command.js';
import { historyCommand } from './history-command.js';
import { exitCodeLines, type CliIo } from './cli-io.js';
import { withEnvDefaults } from './env-defaults.js';
import { TOKEN_ENV } from './token-flags.js';

export const COMMANDS = ['discover', 'verify', 'reflector', 'demo', 'report', 'history'] as const;

/** Shown by `idlescope --help`, each an example and what it does. */
const EXAMPLES: readonly (readonly [string, string])[] = [
  ['$0 demo', 'the whole job on this machine (an emulated 20 s middlebox)'],
  ['$0 reflector --listen 0.0.0.0:7000', 'the server end, outside the network to measure'],
  ['$0 discover HOST:7000', 'the idle timeout between here and that reflector'],
  ['$0 discover HOST:7000 --max 15m -j', 'idle up to 15 minutes only; one JSON document'],
  ['$0 verify HOST:7000 --heartbeat 4m', 'prove a heartbeat of 4 minutes on the path'],
  ['$0 discover HOST:7000 --html run.html', 'the same, and a page to look at and send'],
  ['$0 history', 'the runs saved so far, newest first'],
  ['$0 report RUN.json --html out.html', 'the page of any saved run'],
  ['$0 completion >> ~/.bashrc', 'tab completion for bash (zsh: ~/.zshrc)'],
];

function epilogue(): string {
  return [
    'Durations: 90 (seconds), 90s, 15m, 2h, 1h30m, 500ms.',
    `Environment: IDLESCOPE_<FLAG> gives a flag its default (IDLESCOPE_MAX=2h, IDLESCOPE_JSON=1,`,
    `IDLESCOPE_REFLECTOR=HOST:PORT); a flag given wins. The token: --token, --token-file or $${TOKEN_ENV}.`,
    '',
    'Exit codes:',
    ...exitCodeLines(),
  ].join('\n');
}

/** A command whose builder ends by applying the environment's defaults to the flags it declared. */
function withEnvironment<U>(
  command: CommandModule<object, U>,
  env: Readonly<Record<string, string | undefined>>,
): CommandModule<object, U> {
  const builder = command.builder;
  if (typeof builder !== 'function') throw new Error(`${String(command.command)}: a builder function`);
  return { ...command, builder: (y: Argv) => withEnvDefaults(builder(y) as Argv<U>, env) };
}

/** Everything the entry gives the command line. */
export interface ProgramContext {
  args: readonly string[];
  io: CliIo;
  env: Readonly<Record<string, string | undefined>>;
  /** A failure of yargs' own (an unknown flag, a missing value): the message as yargs words it. */
  usageFailure(message: string): never;
}

/** The parser, ready for parseAsync(). */
export function program({ args, io, env, usageFailure }: ProgramContext): Argv {
  return (
    yargs([...args])
      .scriptName('idlescope')
      // yargs would follow LANG; every other message here is English, and usage-line.ts reads these.
      .locale('en')
      .usage(
        '$0 <command> [options]\n\nFind how long a NAT, firewall or proxy lets an idle TCP connection live.',
      )
      .command(withEnvironment(discoverCommand(io), env))
      .command(withEnvironment(reflectorCommand(io), env))
      .command(withEnvironment(verifyCommand(io), env))
      .command(withEnvironment(demoCommand(io), env))
      .command(withEnvironment(reportCommand(io), env))
      .command(withEnvironment(historyCommand(io), env))
      .completion('completion', 'print a shell completion script (bash or zsh)')
      .demandCommand(1, 'name a command: discover, verify, reflector, demo, report or history')
      .strict()
      .recommendCommands()
      .example(EXAMPLES.map(([command, what]) => [command, what]))
      .epilogue(epilogue())
      .help()
      .alias('h', 'help')
      .version()
      .alias('V', 'version')
      .wrap(Math.min(110, (io.stdout as { columns?: number }).columns ?? 100))
      .fail((message: string | null, error: Error | null | undefined) => {
        // yargs' own failures come as a message, some with a YError; a command's come as its error.
        if (error !== undefined && error !== null && error.name !== 'YError') throw error;
        usageFailure(message ?? error?.message ?? 'bad usage');
      })
  );
}
