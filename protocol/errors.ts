/**
 * Every failure idlescope reports, client and reflector alike: one root (IdlescopeError), one class
 * per failure, each with a stable `code` for scripts and tests, a one-line message that names the
 * cause and, where there is one, the fix, and the underlying error as `cause`. The CLI maps codes
 * to exit codes in one table (client/cli/cli-io.ts), so a new code cannot be added without an
 * exit code. Refusals a reflector sends to a client are not errors here: they are `error`
 * messages on the wire (protocol/wire.ts `ProtocolErrorCode`).
 */
export type IdlescopeErrorCode =
  | 'IDLESCOPE_USAGE'
  | 'IDLESCOPE_BAD_ADDRESS'
  | 'IDLESCOPE_REFLECTOR_UNREACHABLE'
  | 'IDLESCOPE_NOT_A_REFLECTOR'
  | 'IDLESCOPE_REFLECTOR_REFUSED'
  | 'IDLESCOPE_REFLECTOR_LOST'
  | 'IDLESCOPE_REFLECTOR_LISTEN'
  | 'IDLESCOPE_REFLECTOR_STATE'
  | 'IDLESCOPE_EMULATOR_THREAD'
  | 'IDLESCOPE_KEEPALIVE_PLAN'
  | 'IDLESCOPE_KEEPALIVE_SOCKET'
  | 'IDLESCOPE_REPORT_FILE'
  | 'IDLESCOPE_HISTORY'
  | 'IDLESCOPE_INTERNAL';

export class IdlescopeError extends Error {
  constructor(
    readonly code: IdlescopeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments. */
export class UsageError extends IdlescopeError {
  constructor(message: string) {
    super('IDLESCOPE_USAGE', message);
  }
}

/** A HOST:PORT that does not parse; `flag` names the flag it came from, when one did. */
export class AddressError extends IdlescopeError {
  constructor(
    readonly input: string,
    readonly reason: string,
    readonly flag: string | null = null,
  ) {
    super(
      'IDLESCOPE_BAD_ADDRESS',
      `${flag === null ? '' : `${flag}: `}bad address ${JSON.stringify(input)}: ${reason}`,
    );
  }

  /** The same failure, told as a flag's. */
  forFlag(flag: string, input = this.input): AddressError {
    return new AddressError(input, this.reason, flag);
  }
}

/** What to try, by the system error a connection attempt failed with. */
const CONNECT_HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there: is `idlescope reflector` running, and is the port right?',
  ETIMEDOUT: 'no answer: is the host up, and the port open in its firewall?',
  EHOSTUNREACH: 'no route to the host: check the address and the network',
  ENETUNREACH: 'no route to that network: check the address and the network',
  ENOTFOUND: 'the host name does not resolve: check its spelling',
  EAI_AGAIN: 'the host name could not be resolved now: check DNS, then try again',
};

/** The control channel could not be opened at all. */
export class ReflectorUnreachableError extends IdlescopeError {
  constructor(
    readonly reflector: string,
    cause: unknown,
  ) {
    const hint = CONNECT_HINTS[systemCodeOf(cause) ?? ''];
    super(
      'IDLESCOPE_REFLECTOR_UNREACHABLE',
      `cannot reach reflector ${reflector}: ${describeCause(cause)}${hint === undefined ? '' : `; ${hint}`}`,
      { cause },
    );
  }
}

/**
 * Something answered at the reflector's address, but not an idlescope reflector: an HTTP server,
 * a server that speaks first (SSH, SMTP), one that says nothing, a WebSocket that is not ours.
 * `seen` says what answered, as a phrase after the address ("answered HTTP 404").
 */
export class NotAReflectorError extends IdlescopeError {
  constructor(
    readonly reflector: string,
    readonly seen: string,
    options?: { cause?: unknown },
  ) {
    super(
      'IDLESCOPE_NOT_A_REFLECTOR',
      `${reflector} ${seen}: not an idlescope reflector (is the port right?)`,
      options,
    );
  }
}

/** The reflector answered but refused us (version mismatch, too many sessions). */
export class ReflectorRefusedError extends IdlescopeError {
  constructor(
    readonly reflector: string,
    why: string,
  ) {
    super('IDLESCOPE_REFLECTOR_REFUSED', `reflector ${reflector} refused the session: ${why}`);
  }
}

/** The control channel was established and then lost for good (after the resume window). */
export class ReflectorLostError extends IdlescopeError {
  constructor(
    readonly reflector: string,
    readonly why: string,
  ) {
    super('IDLESCOPE_REFLECTOR_LOST', `lost the reflector ${reflector}: ${why}`);
  }
}

/** The reflector's listening socket could not be bound (port in use, no permission, no such address). */
export class ReflectorListenError extends IdlescopeError {
  constructor(
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    super('IDLESCOPE_REFLECTOR_LISTEN', listenFailure(host, port, cause), { cause });
  }

  /** The error code of the underlying system error, if any (EADDRINUSE, EAFNOSUPPORT, ...). */
  get systemCode(): string | undefined {
    return systemCodeOf(this.cause);
  }
}

function listenFailure(host: string, port: number, cause: unknown): string {
  // Bracketed as formatHostPort does; not imported from address.ts, which imports this module.
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const where = `${shownHost}:${port}`;
  const code = systemCodeOf(cause);
  switch (code) {
    case 'EADDRINUSE':
      return (
        `port ${port} is already in use on ${shownHost}: stop ` +
        `the other process or pick another --listen port`
      );
    case 'EACCES':
      return port < 1024
        ? `no permission to listen on port ${port} of ${shownHost}: ports below 1024 need root or ` +
            `CAP_NET_BIND_SERVICE; pick a port from 1024 up`
        : `no permission to listen on ${where} (EACCES): pick another --listen port`;
    case 'EADDRNOTAVAIL':
      return (
        `cannot listen on ${where}: ${shownHost} is not an ` +
        `address of this machine; pick one it has, or 0.0.0.0`
      );
    case 'EAFNOSUPPORT':
      return `cannot listen on ${where}: this machine has no IPv6; listen on 0.0.0.0:${port} instead`;
    default:
      return `cannot listen on ${where}: ${describeCause(cause)}`;
  }
}

/** A method was called in a state that does not allow it (listen twice, listen after close): a bug. */
export class ReflectorStateError extends IdlescopeError {
  constructor(message: string) {
    super('IDLESCOPE_REFLECTOR_STATE', message);
  }
}

/** The demo's middlebox emulator thread failed, or was used in a state that does not allow it. */
export class EmulatorThreadError extends IdlescopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IDLESCOPE_EMULATOR_THREAD', message, options);
  }
}

/**
 * A report file that cannot be read or is not an idlescope report (`idlescope report FILE`), or an
 * HTML report that cannot be written.
 */
export class ReportFileError extends IdlescopeError {
  constructor(
    readonly file: string,
    reason: string,
    cause?: unknown,
  ) {
    super('IDLESCOPE_REPORT_FILE', `report ${file}: ${reason}`, { cause });
  }
}

/** The run history cannot be written or read (a directory that is not one, no permission). */
export class HistoryError extends IdlescopeError {
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super('IDLESCOPE_HISTORY', `run history in ${dir}: ${describeCause(cause)}`, { cause });
  }
}

/** Anything that is not an IdlescopeError, wrapped where a code is needed (the JSON report). */
export class InternalError extends IdlescopeError {
  constructor(cause: unknown) {
    super(
      'IDLESCOPE_INTERNAL',
      `internal error: ${describeCause(cause)} (a bug; IDLESCOPE_DEBUG=1 prints the stack)`,
      { cause },
    );
  }
}

/** `error` itself if it is an IdlescopeError, else an InternalError around it. */
export function asIdlescopeError(error: unknown): IdlescopeError {
  return error instanceof IdlescopeError ? error : new InternalError(error);
}

/** One line for an underlying error: its system code (when its message lacks it) and message. */
export function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return String(cause);
}

function systemCodeOf(cause: unknown): string | undefined {
  if (cause instanceof AggregateError && cause.errors.length > 0) return systemCodeOf(cause.errors[0]);
  return cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined;
}
