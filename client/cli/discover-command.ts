/**
 * `idlescope discover HOST:PORT`: the reflector (an argument or --reflector) on top of the shared
 * search flags, then the run.
 */
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_MAX_S, searchOptionsFrom, withSearchFlags, type SearchFlags } from './search-flags.js';
import { reflectorFrom, withReflectorArgument, type ReflectorArgs } from './reflector-argument.js';
import { discoverAndReport } from './discover-and-report.js';
import type { CliIo } from './cli-io.js';
import { runKeeper, withKeepFlags, type KeepFlags } from './run-keeping.js';

type DiscoverArgs = SearchFlags & ReflectorArgs & KeepFlags;

export function discoverCommand(io: CliIo): CommandModule<object, DiscoverArgs> {
  return {
    command: 'discover [address]',
    describe: 'find the idle timeout between here and a reflector',
    builder: (yargs) =>
      withKeepFlags(
        withSearchFlags(withReflectorArgument(yargs), { min: 1, max: DEFAULT_MAX_S }),
      ) as unknown as Argv<DiscoverArgs>,
    handler: async (args) => {
      const reflector = reflectorFrom('discover', args);
      const options = { ...searchOptionsFrom(args), reflector };
      await discoverAndReport(options, args, io, { keep: runKeeper(args, io) });
    },
  };
}
