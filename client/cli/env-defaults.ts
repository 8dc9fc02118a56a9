/**
 * Defaults from the environment: IDLESCOPE_MAX=2h gives `--max` a default of 2h, IDLESCOPE_JSON=1
 * turns --json on, IDLESCOPE_REFLECTOR=HOST:PORT names the reflector; a flag on the command line
 * wins over its variable, and a variable wins over the built-in default. A variable counts only for
 * the command that has that flag, and an empty one is unset.
 * IDLESCOPE_REFLECTOR is read where the reflector's argument is (reflector-argument.ts).
 *
 * Not yargs' own `.env('IDLESCOPE')`: under `.strict()` it turns every IDLESCOPE_* variable into
 * an argument of every command, so IDLESCOPE_DEBUG (a variable of the entry's, not a flag) fails
 * every run with "Unknown argument: debug", and IDLESCOPE_MAX fails `idlescope reflector`. It would
 * also turn IDLESCOPE_TOKEN into `--token`, so `--token-file F` with the variable set would be
 * refused as "both": the token keeps its own order instead (flag, file, then IDLESCOPE_TOKEN, in
 * token-flags.ts), and --token and --token-file are never taken from a variable.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../../protocol/errors.js';

/**
 * Flags that no IDLESCOPE_* default sets: the token has its own variable (TOKEN_ENV, token-flags.ts)
 * and the reflector reads its own (REFLECTOR_ENV, reflector-argument.ts), each in its own order.
 */
const NOT_FROM_ENV: ReadonlySet<string> = new Set(['token', 'token-file', 'reflector', 'help', 'version']);

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

/** The variable that gives `--flag` its default: IDLESCOPE_ and the flag in upper snake case. */
export function envVariableFor(flag: string): string {
  return `IDLESCOPE_${flag.replace(/-/g, '_').toUpperCase()}`;
}

/** A flag as envDefaults() needs it: its long name, and whether it takes no value. */
export interface EnvFlag {
  name: string;
  boolean: boolean;
}

/**
 * The defaults `env` gives `flags`: text as it is (parsed later like a typed value, by the same
 * rules), booleans as true or false; a boolean variable that is neither is a UsageError naming it.
 */
export function envDefaults(
  flags: readonly EnvFlag[],
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | boolean> {
  const defaults: Record<string, string | boolean> = {};
  for (const flag of flags) {
    if (NOT_FROM_ENV.has(flag.name)) continue;
    const variable = envVariableFor(flag.name);
    const text = env[variable];
    if (text === undefined || text === '') continue;
    if (!flag.boolean) {
      defaults[flag.name] = text;
      continue;
    }
    const word = text.trim().toLowerCase();
    if (TRUE_WORDS.includes(word)) defaults[flag.name] = true;
    else if (FALSE_WORDS.includes(word)) defaults[flag.name] = false;
    else
      throw new UsageError(
        `${variable} (for --${flag.name}) must be ${TRUE_WORDS.join(', ')} or ${FALSE_WORDS.join(', ')}, ` +
          `got ${JSON.stringify(text)}`,
      );
  }
  return defaults;
}

/** The part of yargs' option table read here (getOptions() is public on the instance, untyped). */
interface OptionTable {
  key: Record<string, unknown>;
  boolean: string[];
}

/** Sets the defaults the environment gives a command's flags, once the command has declared them. */
export function withEnvDefaults<T>(
  yargs: Argv<T>,
  env: Readonly<Record<string, string | undefined>>,
): Argv<T> {
  const table = (yargs as unknown as { getOptions(): OptionTable }).getOptions();
  // Long names only: aliases such as -j share the long flag's variable.
  const flags = Object.keys(table.key)
    .filter((name) => name.length > 1 && !/[A-Z]/.test(name))
    .map((name) => ({ name, boolean: table.boolean.includes(name) }));
  let withDefaults = yargs;
  for (const [name, value] of Object.entries(envDefaults(flags, env)))
    withDefaults = withDefaults.default(name, value);
  return withDefaults;
}

/**
 * A usage message about `--flag` quoting a value that the command line did not give but its
 * variable did: the message with "(from IDLESCOPE_FLAG)" added, so the user looks in the right
 * place. Otherwise the message as it is.
 */
export function attributeToEnvironment(
  message: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string {
  const flag = /^--([a-z][a-z-]*)\b/.exec(message)?.[1];
  if (flag === undefined) return message;
  const variable = envVariableFor(flag);
  const value = env[variable];
  if (value === undefined || value === '' || !message.includes(JSON.stringify(value))) return message;
  // Typed as the flag, or as the argument it may also be (the reflector's HOST:PORT).
  const typed = args.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`) || arg === value);
  return typed ? message : `${message} (from ${variable})`;
}
