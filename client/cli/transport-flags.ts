/**
 * --transport tcp|tls|ws|wss and --pin sha256:..., for every client command: what the probe
 * connections run over (the control channel follows: wss with TLS, ws otherwise), and the one
 * certificate to trust without a CA (a reflector run with --self-signed prints it). Checked before
 * any socket opens: a bad value is a one-line UsageError (exit 2).
 */
import type { Argv } from 'yargs';
import { UsageError } from '../../protocol/errors.js';
import { parsePin } from '../../protocol/tls-pin.js';
import { TRANSPORT_NAMES, type ProbeTransport } from '../transport/probe-transport.js';
import { createTransport } from '../transport/transports.js';
import { choiceFlag, single, type FlagValue } from './flag-values.js';

export interface TransportFlags {
  /** Absent (a caller that is not yargs): tcp. */
  transport?: FlagValue;
  pin?: FlagValue;
}

/** Adds --transport and --pin to a command. */
export function withTransportFlags<T>(yargs: Argv<T>): Argv<T & TransportFlags> {
  return yargs
    .option('transport', {
      type: 'string',
      requiresArg: true,
      default: 'tcp',
      describe: `what probes run over: ${TRANSPORT_NAMES.join(', ')} (the control channel: wss with TLS)`,
    })
    .option('pin', {
      type: 'string',
      requiresArg: true,
      describe: "trust exactly this certificate (sha256:..., printed by 'reflector --self-signed')",
    }) as unknown as Argv<T & TransportFlags>;
}

/** The transport the flags name, or a UsageError. */
export function transportFrom(flags: TransportFlags): ProbeTransport {
  const name = choiceFlag('transport', flags.transport ?? 'tcp', TRANSPORT_NAMES);
  const pinText = single('pin', flags.pin);
  if (pinText !== undefined && name !== 'tls' && name !== 'wss')
    throw new UsageError(`--pin applies to a TLS transport (--transport tls or wss), not ${name}`);
  let pin: string | null = null;
  if (pinText !== undefined) {
    const parsed = parsePin(String(pinText));
    if (!parsed.ok) throw new UsageError(`--pin ${JSON.stringify(String(pinText))}: ${parsed.reason}`);
    pin = parsed.pin;
  }
  return createTransport(name, { pin });
}
