/**
 * `idlescope reflector --listen HOST:PORT`: the thin entry of the reflector. It parses the flags,
 * turns SIGINT/SIGTERM into an AbortSignal and calls runReflector(). A bad address throws an
 * AddressError with a one-line reason (client/cli/main.ts maps it to exit code 2).
 */
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_PORT } from '../../protocol/wire.js';
import { AddressError, parseHostPort, type HostPort } from '../../protocol/address.js';
import { runReflector, type ReflectorIo } from '../../reflector/run-reflector.js';

export { runReflector, type ReflectorIo, type RunReflectorOptions } from '../../reflector/run-reflector.js';

export interface ReflectorArgs {
  listen?: string | undefined;
  quiet: boolean;
}

/**
 * --listen takes what --reflector takes, plus port 0 ("any free port", announced on stdout), which
 * scripts and tests use to run a reflector without a port race.
 */
export function parseListen(text: string): HostPort {
  const anyPort = /^(.*):0$/.exec(text.trim());
  if (anyPort === null) return parseHostPort(text, DEFAULT_PORT);
  try {
    return { host: parseHostPort(anyPort[1] ?? '', DEFAULT_PORT).host, port: 0 };
  } catch (error) {
    // Name what the user typed, not the part without the port.
    if (error instanceof AddressError)
      throw new AddressError(text, error.message.replace(/^bad address "[^"]*": /, ''));
    throw error;
  }
}

export const reflectorCommand: CommandModule<object, ReflectorArgs> = {
  command: 'reflector',
  describe: 'run the server end that idlescope discover measures against',
  builder: (yargs: Argv) =>
    yargs
      .option('listen', {
        type: 'string',
        describe: `HOST:PORT to listen on, port 0 for any free one (default [::]:${DEFAULT_PORT}, or 0.0.0.0:${DEFAULT_PORT} without IPv6)`,
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'no session log lines on stderr' }),
  handler: async (args) => {
    const listen = args.listen === undefined ? undefined : parseListen(args.listen);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const io: ReflectorIo = { stdout: process.stdout, stderr: process.stderr, signal: stop.signal };
    try {
      await runReflector({ listen, quiet: args.quiet }, io);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
