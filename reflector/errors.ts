/**
 * The reflector's own failures, one class per failure with a stable `code` for scripts and tests.
 * Protocol refusals sent to a client are not errors here: they are `error` messages on the wire
 * (protocol/wire.ts `ProtocolErrorCode`).
 */

export type ReflectorErrorCode = 'IDLESCOPE_REFLECTOR_LISTEN' | 'IDLESCOPE_REFLECTOR_STATE';

export class ReflectorError extends Error {
  constructor(
    readonly code: ReflectorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The listening socket could not be bound (address in use, no IPv6, no permission). */
export class ReflectorListenError extends ReflectorError {
  constructor(
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    const why =
      cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    super(
      'IDLESCOPE_REFLECTOR_LISTEN',
      `cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${why}`,
      { cause },
    );
  }

  /** The error code of the underlying system error, if any (EADDRINUSE, EAFNOSUPPORT, ...). */
  get systemCode(): string | undefined {
    const cause = this.cause;
    return cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined;
  }
}

/** A method was called in a state that does not allow it (listen twice, listen after close). */
export class ReflectorStateError extends ReflectorError {
  constructor(message: string) {
    super('IDLESCOPE_REFLECTOR_STATE', message);
  }
}
