/**
 * Why the reflector turned something away: a name for each refusal it makes today, for the
 * `refused` event, the `idlescope_refusals_total{reason}` counter and the log. The protocol's own
 * error codes (protocol/wire.ts) are the refusals a control channel is told about (the admission
 * limits among them: admission.ts); the other three are probe and connection refusals, which have
 * no channel to be told on (the socket is destroyed).
 */
import type { ProtocolErrorCode, SessionLimitReason } from '../protocol/wire.js';

export type RefusalReason =
  | ProtocolErrorCode
  /** A second probe connection with an id its session already holds. */
  | 'duplicate-probe'
  /** First bytes that are neither a probe hello nor an HTTP GET. */
  | 'garbage'
  /** No complete probe hello or control upgrade within the hello deadline. */
  | 'hello-timeout'
  /** A session ended on one of its limits (connection-limits.ts): its close code names which. */
  | SessionLimitReason
  /** A control frame larger than the message limit (ws closed it with 1009). */
  | 'message-too-large'
  /** A control channel's WebSocket framing was broken (ws closed it with 1002 or 1007). */
  | 'bad-frame';

/** Every reason, so a counter can start each one at 0 (a rate over a series that appears late is wrong). */
export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'bad-message',
  'bad-version',
  'unknown-session',
  'unknown-probe',
  'too-many-probes',
  'too-many-sessions',
  'too-many-connections',
  'too-many-connections-per-address',
  'too-many-sessions-per-address',
  'duplicate-probe',
  'garbage',
  'hello-timeout',
  'idle-too-long',
  'test-outstanding',
  'control-backlog',
  'event-rate',
  'session-life',
  'message-too-large',
  'bad-frame',
];

/**
 * What was refused: a control channel's request, a probe connection (or one of its tests), a
 * connection not yet either, or a whole session (ended on a limit).
 */
export type RefusalSubject = 'control' | 'probe' | 'connection' | 'session';

export interface RefusalInfo {
  reason: RefusalReason;
  on: RefusalSubject;
  /** The peer as HOST:PORT. `unknown-session` on a control channel is always a failed resume. */
  remote: string;
}
