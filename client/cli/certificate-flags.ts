/**
 * The reflector's TLS: `--cert FILE --key FILE` (PEM), or `--self-signed` (a certificate made at
 * start, reflector/self-signed.ts). Without either, the reflector serves no TLS and a TLS client
 * is turned away. Everything is checked before the port is bound: an unreadable file, a key that
 * does not match its certificate or a bad combination is a one-line UsageError (exit 2).
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { UsageError, describeCause } from '../../protocol/errors.js';
import { reflectorSecureContext, type TlsIdentity } from '../../reflector/transport-layers.js';
import { selfSignedIdentity } from '../../reflector/self-signed.js';
import { single, type FlagValue } from './flag-values.js';

export interface CertificateFlags {
  cert?: FlagValue;
  key?: FlagValue;
  selfSigned: boolean;
}

/** Adds --cert, --key and --self-signed to a command. */
export function withCertificateFlags<T>(yargs: Argv<T>): Argv<T & CertificateFlags> {
  return yargs
    .option('cert', {
      type: 'string',
      requiresArg: true,
      describe: 'serve TLS too, with this certificate (PEM; with --key)',
    })
    .option('key', { type: 'string', requiresArg: true, describe: "the certificate's private key (PEM)" })
    .option('self-signed', {
      type: 'boolean',
      default: false,
      describe: 'serve TLS with a certificate made at start; clients trust it with --pin (printed)',
    }) as unknown as Argv<T & CertificateFlags>;
}

/**
 * The certificate the flags name, or undefined for none. `names` go into a self-signed one (the
 * listen host); `readFile` is a parameter for tests.
 */
export async function certificateFrom(
  flags: CertificateFlags,
  names: readonly string[],
  readFile: (path: string) => Buffer = (path) => readFileSync(path),
): Promise<TlsIdentity | undefined> {
  const cert = single('cert', flags.cert);
  const key = single('key', flags.key);
  if (flags.selfSigned) {
    if (cert !== undefined || key !== undefined)
      throw new UsageError('give --self-signed or --cert/--key, not both');
    return selfSignedIdentity(names);
  }
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined)
    throw new UsageError(cert === undefined ? '--key needs --cert' : '--cert needs --key');
  const identity = {
    cert: readPem('cert', String(cert), readFile),
    key: readPem('key', String(key), readFile),
  };
  try {
    reflectorSecureContext(identity);
  } catch (error) {
    throw new UsageError(`--cert/--key: not a usable certificate and key: ${describeCause(error)}`);
  }
  return identity;
}

function readPem(flag: string, path: string, readFile: (path: string) => Buffer): Buffer {
  try {
    return readFile(path);
  } catch (error) {
    throw new UsageError(`--${flag} ${JSON.stringify(path)}: ${describeCause(error)}`);
  }
}
