/**
 * Where the shared token comes from, for the reflector and for every client command alike:
 * `--token SECRET`, `--token-file FILE` (its first line; a trailing newline is not part of it), or
 * the environment variable IDLESCOPE_TOKEN, in that order; none of them is the empty token. A token
 * on the command line is visible to other local users (ps): the file or the variable is the way on
 * a shared machine. Bad combinations and unreadable files are one-line UsageErrors (exit 2).
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { UsageError } from '../../protocol/errors.js';
import type { FlagValue } from './flag-values.js';

/** The environment variable a token may come from. */
export const TOKEN_ENV = 'IDLESCOPE_TOKEN';

export interface TokenFlags {
  token?: FlagValue;
  tokenFile?: FlagValue;
}

/** Adds --token and --token-file to a command. */
export function withTokenFlags<T>(yargs: Argv<T>): Argv<T & TokenFlags> {
  return yargs
    .option('token', {
      type: 'string',
      requiresArg: true,
      describe: `the reflector's shared secret (or --token-file, or $${TOKEN_ENV}; default: none)`,
    })
    .option('token-file', {
      type: 'string',
      requiresArg: true,
      describe: 'read the token from the first line of FILE',
    }) as unknown as Argv<T & TokenFlags>;
}

/** The token the flags and environment give ('' for none), or a UsageError. */
export function tokenFrom(
  flags: TokenFlags,
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): string {
  const token = one('token', flags.token);
  const file = one('token-file', flags.tokenFile);
  if (token !== undefined && file !== undefined)
    throw new UsageError('give --token or --token-file, not both');
  if (token !== undefined) return token;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new UsageError(`--token-file ${JSON.stringify(file)} cannot be read (${code})`);
    }
    const line = text.split(/\r?\n/, 1)[0] ?? '';
    if (line === '')
      throw new UsageError(`--token-file ${JSON.stringify(file)} holds no token on its first line`);
    return line;
  }
  return env[TOKEN_ENV] ?? '';
}

function one(name: string, value: FlagValue): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new UsageError(`--${name} was given ${value.length} times: give it once`);
  return String(value);
}
