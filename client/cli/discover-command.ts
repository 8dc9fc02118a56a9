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
import { dialerFrom, withProxyFlags, type ProxyFlags } from './proxy-flags.js';
import { proxyRoute } from '../transport/proxy-dialer.js';
import { planVerification } from '../verification/plan-verification.js';

type DiscoverArgs = SearchFlags & ReflectorArgs & KeepFlags & ProxyFlags;

export function discoverCommand(io: CliIo): CommandModule<object, DiscoverArgs> {
  return {
    command: 'discover [address]',
    describe: 'find the idle timeout between here and a reflector',
    builder: (yargs) =>
      withKeepFlags(
        withSearchFlags(withProxyFlags(withReflectorArgument(yargs)), { min: 1, max: DEFAULT_MAX_S }),
      ) as unknown as Argv<DiscoverArgs>,
    handler: async (args) => {
      const reflector = reflectorFrom('discover', args);
      const search = searchOptionsFrom(args);
      const dialer = dialerFrom(args, reflector);
      const proxy = proxyRoute(dialer);
      // Through a proxy the heartbeat is what must hold: the verification is planned knowing it.
      const verification =
        search.verification === undefined || proxy === null
          ? {}
          : { verification: { ...search.verification, plan: planThrough(proxy) } };
      await discoverAndReport({ ...search, ...verification, reflector, dialer }, args, io, {
        keep: runKeeper(args, io),
      });
    },
  };
}

function planThrough(proxy: string): typeof planVerification {
  return (directions) => planVerification(directions, { proxy });
}
