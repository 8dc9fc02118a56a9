/**
 * One error class per failure the user can meet, each with a stable `code` for scripts and tests.
 */

export type IdlescopeErrorCode =
  | 'IDLESCOPE_USAGE'
  | 'IDLESCOPE_REFLECTOR_UNREACHABLE'
  | 'IDLESCOPE_REFLECTOR_LOST'
  | 'IDLESCOPE_REFLECTOR_REFUSED';

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

/** Bad flags or arguments: exit code 2. */
export class UsageError extends IdlescopeError {
  constructor(message: string) {
    super('IDLESCOPE_USAGE', message);
  }
}

/** The control channel could not be opened at all. */
export class ReflectorUnreachableError extends IdlescopeError {
  constructor(
    readonly reflector: string,
    cause: unknown,
  ) {
    super('IDLESCOPE_REFLECTOR_UNREACHABLE', `cannot reach reflector ${reflector}: ${describeCause(cause)}`, {
      cause,
    });
  }
}

/** The control channel was established and then lost for good. */
export class ReflectorLostError extends IdlescopeError {
  constructor(
    readonly reflector: string,
    why: string,
  ) {
    super('IDLESCOPE_REFLECTOR_LOST', `lost the reflector ${reflector}: ${why}`);
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

export function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return String(cause);
}
