/**
 * The reflector's per-connection and per-session limits (issue 11): what one session may cost the
 * reflector however its client behaves, each with a default and a flag (client/cli/reflector-command.ts).
 * Admission (how many sessions and connections one address may hold) is admission-limits.ts's.
 *
 *   limit                     default    flag                         over it
 *   control pause             1 MiB      --control-pause-bytes        session paused (no reads, no sends)
 *   control hard cap          8 MiB      --control-hard-bytes         session ended: control-backlog
 *   control drain             10 s       --control-drain            still paused: ended, control-backlog
 *   tests per second          2,000/s    --max-events-per-s           session ended: event-rate
 *   tests in a burst          4,000      (2 s of the rate)            session ended: event-rate
 *   session life              6 h        --max-session-life         session ended: session-life
 *   longest idle              9,000 s    --max-idle                 test refused: idle-too-long
 *   first message             10 s       --hello-timeout            socket destroyed: hello-timeout
 *   control message size      4 KiB      --max-message-bytes          channel closed (1009): bad-message
 *   answers in flight/probe   2          (not a flag: probe.ts says     probe closed: test-outstanding
 *                                         why two, not one)
 *
 * Why these numbers:
 * - An honest discover keeps its control channel's send buffer near empty (it reads every event as
 *   it comes); the largest single message is a resumed welcome listing every open probe (about 180 KB
 *   at 16,384 probes), so 1 MiB is far from anything honest, and a drained channel resumes at once.
 * - Only the events a client can repeat at will are counted: 'pushed' (it asks) and 'echoed' (it
 *   pings). 'attached', 'closed' and 'reset' happen once per probe (bounded by the probes a session
 *   may open), and a middlebox that resets every probe at once must never end an honest session.
 *   A discovery tests at most a few hundred probes a second; the capacity bench's push burst asks
 *   1,000 in one second over two sessions. 2,000/s is twice that with room.
 * - The longest default --max is 7440 s (RFC 5382's floor); verification holds a connection a margin
 *   past the bracket. 9,000 s leaves 26 minutes of margin; the session life (6 h) covers a --full
 *   search to 7440 s in both directions plus its verification.
 * - The first-message deadline runs from accept to a complete probe hello, or to a control channel's
 *   hello (upgrade included): a client sends both at once, 10 s is a slow mobile link's worst case.
 */
import { MAX_CONTROL_MESSAGE_BYTES, PROBE_HELLO_TIMEOUT_MS } from '../protocol/wire.js';

const MIB = 1024 * 1024;

export interface ConnectionLimits {
  /** A session whose control channel buffers more than this (bytes) is paused. */
  controlPauseBytes: number;
  /** A session whose control channel buffers more than this is ended at once. */
  controlHardBytes: number;
  /** A session paused this long without its channel draining is ended. */
  controlDrainMs: number;
  /** Tests (pushes asked for, pings echoed) per second a session may make on average. */
  maxEventsPerS: number;
  /** Tests a session may make in one burst above the rate. */
  eventBurst: number;
  /** A session ends this long after its hello, resumed or not. */
  maxSessionLifeMs: number;
  /** A test on a probe idle longer than this is refused (the client is told: idle-too-long). */
  maxIdleMs: number;
  /** From accept to a complete probe hello, or to a control channel's accepted hello. */
  helloTimeoutMs: number;
  /** The largest control message accepted (the WebSocket's maxPayload). */
  maxMessageBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  controlPauseBytes: MIB,
  controlHardBytes: 8 * MIB,
  controlDrainMs: 10_000,
  maxEventsPerS: 2000,
  eventBurst: 4000,
  maxSessionLifeMs: 6 * 3600_000,
  maxIdleMs: 9000_000,
  helloTimeoutMs: PROBE_HELLO_TIMEOUT_MS,
  maxMessageBytes: MAX_CONTROL_MESSAGE_BYTES,
};

/** Some limits, the rest left to their defaults (undefined: the default too). */
export type GivenLimits = { [K in keyof ConnectionLimits]?: number | undefined };

/** The smallest message limit that still carries a hello (about 200 bytes) with room. */
export const MIN_MESSAGE_BYTES = 512;

/** The defaults with `given` over them; a RangeError names the first limit that makes no sense. */
export function connectionLimits(given: GivenLimits = {}): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS };
  for (const [key, value] of Object.entries(given) as [keyof ConnectionLimits, number | undefined][]) {
    if (value !== undefined) limits[key] = value;
  }
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${key} must be positive, got ${value}`);
  }
  if (limits.controlHardBytes < limits.controlPauseBytes)
    throw new RangeError('controlHardBytes must be at least controlPauseBytes');
  if (limits.maxMessageBytes < MIN_MESSAGE_BYTES || limits.maxMessageBytes > MAX_CONTROL_MESSAGE_BYTES)
    throw new RangeError(`maxMessageBytes must be within ${MIN_MESSAGE_BYTES}..${MAX_CONTROL_MESSAGE_BYTES}`);
  return limits;
}
