/**
 * The reflector a client command talks to: its first argument (`discover HOST:PORT`, as iperf3
 * and mtr take their host), or --reflector HOST:PORT, the same thing, or else $IDLESCOPE_REFLECTOR.
 * The argument and the flag are separate yargs keys (under one key yargs lets the argument silently
 * replace the flag), so giving both is caught here; and the variable is read here rather than as a
 * yargs default (env-defaults.ts), so that an argument wins over it just as the flag does.
 */
import type { Argv } from 'yargs';
import { DEFAULT_PORT } from '../../protocol/wire.js';
import type { HostPort } from '../../protocol/address.js';
import { UsageError } from '../../protocol/errors.js';
import type { FlagValue } from './flag-values.js';
import { parseReflector } from './search-flags.js';

/** The variable that names the reflector when neither the argument nor the flag does. */
export const REFLECTOR_ENV = 'IDLESCOPE_REFLECTOR';

export interface ReflectorArgs {
  /** The first argument. */
  address?: FlagValue;
  reflector?: FlagValue;
}

/** Adds the `[address]` positional (the command string must name it) and --reflector. */
export function withReflectorArgument<T>(yargs: Argv<T>): Argv<T & ReflectorArgs> {
  return yargs
    .positional('address', {
      type: 'string',
      describe: `HOST:PORT of an idlescope reflector (port ${DEFAULT_PORT} if none), or --reflector`,
    })
    .option('reflector', {
      type: 'string',
      requiresArg: true,
      describe: `the reflector, as the first argument gives it (or $${REFLECTOR_ENV})`,
    }) as unknown as Argv<T & ReflectorArgs>;
}

/** The reflector's address, or a UsageError: none given, given twice, or not HOST:PORT. */
export function reflectorFrom(
  command: string,
  args: ReflectorArgs,
  env: Readonly<Record<string, string | undefined>> = process.env,
): HostPort {
  const { address, reflector } = args;
  if (address !== undefined && reflector !== undefined)
    throw new UsageError(
      `the reflector was given twice (${JSON.stringify(String(address))} and --reflector ` +
        `${JSON.stringify(String(reflector))}): give one`,
    );
  const fromEnv = env[REFLECTOR_ENV];
  const raw = address ?? reflector ?? (fromEnv === '' ? undefined : fromEnv);
  if (raw === undefined)
    throw new UsageError(
      `${command} needs a reflector: idlescope ${command} HOST:PORT (or $${REFLECTOR_ENV})`,
    );
  return parseReflector(raw);
}
