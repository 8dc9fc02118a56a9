/**
 * `idlescope reflector --listen HOST:PORT`: the thin entry of the reflector. It parses the flags
 * and calls runReflector() with the entry's streams and signal: the first SIGINT or SIGTERM drains
 * the reflector and the process exits 0 (client/cli/main.ts owns the signals). A bad address is an
 * AddressError with a one-line reason, a port that cannot be bound a ReflectorListenError.
 */
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_PORT } from '../../protocol/wire.js';
import { parseHostPort, type HostPort } from '../../protocol/address.js';
import { addressFlag, type FlagValue } from './flag-values.js';
import { tokenFrom, withTokenFlags, type TokenFlags } from './token-flags.js';
import { admissionOptionsFrom, withAdmissionFlags, type AdmissionFlags } from './admission-flags.js';
import { certificateFrom, withCertificateFlags, type CertificateFlags } from './certificate-flags.js';
import type { CliIo } from './cli-io.js';
import {
  connectionLimitsFrom,
  withConnectionLimitFlags,
  type ConnectionLimitFlags,
} from './connection-limit-flags.js';

export type { ReflectorIo, RunReflectorOptions } from '../../reflector/run-reflector.js';

export interface ReflectorArgs extends TokenFlags, ConnectionLimitFlags, AdmissionFlags, CertificateFlags {
  listen?: FlagValue;
  quiet: boolean;
  insecureOpen: boolean;
}

/**
 * --listen takes what --reflector takes, plus port 0 ("any free port", announced on stdout), which
 * scripts and tests use to run a reflector without a port race.
 */
export function parseListen(raw: FlagValue): HostPort {
  return addressFlag('listen', raw, `0.0.0.0:${DEFAULT_PORT}`, (text) => {
    const anyPort = /^(.*):0$/.exec(text.trim());
    if (anyPort === null) return parseHostPort(text, DEFAULT_PORT);
    return { host: parseHostPort(anyPort[1] ?? '', DEFAULT_PORT).host, port: 0 };
  });
}

export function reflectorCommand(io: CliIo): CommandModule<object, ReflectorArgs> {
  return {
    command: 'reflector',
    describe: 'run the server end that idlescope discover measures against',
    builder: (yargs: Argv) =>
      // Per-session limits (connection-limits.ts), admission limits (admission-flags.ts) and the
      // certificate (certificate-flags.ts): a block each.
      withCertificateFlags(withAdmissionFlags(withConnectionLimitFlags(withTokenFlags(yargs))))
        .option('listen', {
          type: 'string',
          requiresArg: true,
          describe:
            `HOST:PORT to listen on, port 0 for any free one (default [::]:${DEFAULT_PORT}, or ` +
            `0.0.0.0:${DEFAULT_PORT} without IPv6)`,
        })
        .option('quiet', { type: 'boolean', default: false, describe: 'no JSON log lines on stderr' })
        .option('insecure-open', {
          type: 'boolean',
          default: false,
          describe: 'without a token, listen on a non-loopback address anyway (anyone may use it)',
        }) as unknown as Argv<ReflectorArgs>,
    handler: async (args) => {
      const listen = args.listen === undefined ? undefined : parseListen(args.listen);
      const token = tokenFrom(args);
      // Per-session and admission limits: checked before anything listens.
      const connectionLimits = connectionLimitsFrom(args);
      const admission = admissionOptionsFrom(args);
      // A self-signed certificate names the listen host too, unless that is a wildcard.
      const names = listen === undefined || ['::', '0.0.0.0'].includes(listen.host) ? [] : [listen.host];
      const tls = await certificateFrom(args, names);
      // Imported on use (its logger and metrics): the other commands do not pay for them at start.
      const { runReflector } = await import('../../reflector/run-reflector.js');
      await runReflector(
        {
          listen,
          quiet: args.quiet,
          token,
          insecureOpen: args.insecureOpen,
          connectionLimits,
          ...admission,
          tls,
        },
        io,
      );
    },
  };
}
