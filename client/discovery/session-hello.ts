/**
 * The client's half of the protocol-2 handshake (protocol/auth.ts), as plain functions: the hello
 * that proves the token or resumes with the session's secret, and the words of a refusal.
 */
import { helloMac, resumeMac } from '../../protocol/auth.js';
import {
  PROTOCOL_VERSION,
  versionMismatch,
  type ClientMessage,
  type ProtocolErrorCode,
  type SessionId,
} from '../../protocol/wire.js';

/**
 * The hello for this connection, at `ts` (the wall clock, ms) with a fresh `nonce`: proving the
 * token for a new session, or the secret of `resume.session`.
 */
export function sessionHello(
  ts: number,
  nonce: string,
  start: { token: string } | { session: SessionId; secret: Buffer },
): ClientMessage {
  if ('token' in start) {
    return {
      type: 'hello',
      version: PROTOCOL_VERSION,
      auth: { ts, nonce, mac: helloMac(start.token, ts, nonce) },
    };
  }
  const mac = resumeMac(start.secret, ts, nonce);
  return {
    type: 'hello',
    version: PROTOCOL_VERSION,
    auth: { ts, nonce, mac },
    resume: { session: start.session },
  };
}

/**
 * A refusal's words. bad-version says which side to upgrade, whatever the reflector's version
 * wrote (protocol 1 said "this reflector speaks protocol v1, not v2"); unauthorized names the flags.
 */
export function refusalText(code: ProtocolErrorCode, message: string): string {
  if (code === 'bad-version') {
    const theirs = /protocol v?(\d+)/.exec(message);
    if (theirs !== null) return `bad-version: ${versionMismatch(Number(theirs[1]), PROTOCOL_VERSION)}`;
  }
  if (code === 'unauthorized')
    return `unauthorized: ${message} (give the reflector's token: --token, --token-file or IDLESCOPE_TOKEN)`;
  const hint = CAPACITY_HINTS[code];
  return hint === undefined ? `${code}: ${message}` : `${code}: ${message} (${hint})`;
}

/**
 * The refusals that say this session can hold no more probes (reflector/admission.ts): a run that
 * gets one ends with it, since the probes it would open next would be refused the same way.
 */
export const CAPACITY_REFUSALS: ReadonlySet<ProtocolErrorCode> = new Set<ProtocolErrorCode>([
  'too-many-probes',
  'too-many-connections',
  'too-many-connections-per-address',
]);

/** What the user can do about a limit the reflector enforces. */
const CAPACITY_HINTS: Partial<Record<ProtocolErrorCode, string>> = {
  'too-many-probes': "lower --connections, or raise the reflector's --max-probes-per-session",
  'too-many-connections-per-address':
    "lower --connections, end other runs from this address, or raise the reflector's limit",
  'too-many-sessions-per-address': 'end other runs from this address, or try again later',
  'too-many-connections': 'try again later, or use another reflector',
};
