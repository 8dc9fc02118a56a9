/**
 * Failures of the keepalive module, one class per failure, on the project's one error root
 * (protocol/errors.ts), with stable codes.
 */
import { IdlescopeError } from '../../protocol/errors.js';

export type KeepaliveErrorCode = 'IDLESCOPE_KEEPALIVE_PLAN' | 'IDLESCOPE_KEEPALIVE_SOCKET';

/** Any keepalive failure: a plan the kernel would refuse, or a socket that would not take it. */
export class KeepaliveError extends IdlescopeError {
  constructor(code: KeepaliveErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A keepalive plan or heartbeat the kernel (or the target) would refuse or silently change. */
export class KeepalivePlanError extends KeepaliveError {
  constructor(
    /** The offending field, as named in the plan (`intervalS`, `count`, ...). */
    readonly field: string,
    readonly value: unknown,
    why: string,
  ) {
    super('IDLESCOPE_KEEPALIVE_PLAN', `keepalive ${field} = ${String(value)}: ${why}`);
  }
}

/** The socket could not take or report an option: no descriptor, or the kernel refused it. */
export class KeepaliveSocketError extends KeepaliveError {
  constructor(
    /** The socket option concerned (`TCP_KEEPINTVL`, ...), or `socket` when there is no descriptor. */
    readonly option: string,
    why: string,
    cause?: unknown,
  ) {
    super('IDLESCOPE_KEEPALIVE_SOCKET', `${option}: ${why}`, cause === undefined ? undefined : { cause });
  }
}
