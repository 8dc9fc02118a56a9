/**
 * `idlescope discover`: the reflector flag on top of the shared search flags, then the run.
 */
import type { Argv, CommandModule } from 'yargs';
import {
  DEFAULT_MAX_S,
  parseReflector,
  searchOptionsFrom,
  withSearchFlags,
  type SearchFlags,
} from './search-flags.js';
import { discoverAndReport } from './discover-and-report.js';
import type { CliIo } from './cli-io.js';
import { runKeeper, withKeepFlags, type KeepFlags } from './run-keeping.js';

type DiscoverArgs = SearchFlags & KeepFlags & { reflector: string };

export function discoverCommand(io: CliIo): CommandModule<object, DiscoverArgs> {
  return {
    command: 'discover',
    describe: 'find the idle timeout between here and a reflector',
    builder: (yargs) =>
      withKeepFlags(
        withSearchFlags(
          yargs.option('reflector', {
            type: 'string',
            demandOption: true,
            requiresArg: true,
            describe: 'HOST:PORT of an idlescope reflector',
          }),
          { min: 1, max: DEFAULT_MAX_S },
        ),
      ) as unknown as Argv<DiscoverArgs>,
    handler: async (args) => {
      const reflector = parseReflector(args.reflector);
      const options = { ...searchOptionsFrom(args), reflector };
      await discoverAndReport(options, args, io, runKeeper(args, io));
    },
  };
}
