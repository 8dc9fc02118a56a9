/**
 * The authentication of protocol v2, imported by both sides: every proof is an HMAC-SHA256, and
 * nothing secret ever travels.
 *
 *   hello    mac = HMAC(token, "idlescope/1 hello|ts|nonce")            proves the token
 *   session  secret = HMAC(token, "idlescope/1 session|cnonce|snonce|id") computed on both sides
 *   probe    mac = HMAC(secret, session id bytes | probe id BE)[0..16)  proves the session's secret
 *   resume   mac = HMAC(secret, "idlescope/1 resume|ts|nonce")           proves the same secret
 *
 * The token may be empty (a reflector run without one): the scheme still runs, so a session id
 * sniffed from the plain ws:// control channel or from a probe hello is still worth nothing without
 * the session's secret, which needs both nonces AND the token. `ts` is the sender's wall clock in ms;
 * the reflector accepts it within AUTH_SKEW_MS of its own and remembers each accepted nonce for as
 * long as its ts could still be accepted (ReplayGuard), so a hello cannot be replayed.
 *
 * Comparisons are constant-time (timingSafeEqual on equal-length buffers).
 */
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { ProbeId, SessionId } from './wire.js';

/** A hello's timestamp may be this far from the reflector's clock, either way. */
export const AUTH_SKEW_MS = 120_000;

/** Nonces are this many random bytes, as lowercase hex in JSON. */
export const NONCE_BYTES = 16;

/** A probe hello carries the first this-many bytes of its HMAC. */
export const PROBE_MAC_BYTES = 16;

/** A hello or resume MAC: a whole HMAC-SHA256, as lowercase hex in JSON. */
export const HELLO_MAC_HEX_LENGTH = 64;

/** Hello nonces the reflector remembers at most (only nonces of hellos whose MAC checked out). */
export const MAX_REMEMBERED_NONCES = 100_000;

/** What a client holds once its session is set up: the id and the secret that never travels. */
export interface SessionCredentials {
  session: SessionId;
  secret: Buffer;
}

const HELLO_LABEL = 'idlescope/1 hello';
const SESSION_LABEL = 'idlescope/1 session';
const RESUME_LABEL = 'idlescope/1 resume';

const hmac = (key: string | Buffer, text: string | Buffer): Buffer =>
  createHmac('sha256', key).update(text).digest();

/** A fresh random nonce, hex. */
export function createNonce(): string {
  return randomBytes(NONCE_BYTES).toString('hex');
}

/** The MAC of a new-session hello: proves the token for this ts and nonce. */
export function helloMac(token: string, ts: number, nonce: string): string {
  return hmac(token, `${HELLO_LABEL}|${ts}|${nonce}`).toString('hex');
}

/** The MAC of a resuming hello: proves the session's secret for this ts and nonce. */
export function resumeMac(secret: Buffer, ts: number, nonce: string): string {
  return hmac(secret, `${RESUME_LABEL}|${ts}|${nonce}`).toString('hex');
}

/** The per-session secret, derived on both sides from the token and both nonces. */
export function sessionSecret(
  token: string,
  clientNonce: string,
  serverNonce: string,
  session: SessionId,
): Buffer {
  return hmac(token, `${SESSION_LABEL}|${clientNonce}|${serverNonce}|${session}`);
}

/** The MAC a probe hello carries: binds the probe id to the session, keyed by its secret. */
export function probeMac(secret: Buffer, session: SessionId, probe: ProbeId): Buffer {
  const message = Buffer.alloc(Buffer.byteLength(session, 'hex') + 4);
  Buffer.from(session, 'hex').copy(message, 0);
  message.writeUInt32BE(probe, message.length - 4);
  return hmac(secret, message).subarray(0, PROBE_MAC_BYTES);
}

/** Constant-time equality of two MACs (hex strings or bytes); false when their lengths differ. */
export function macsEqual(expected: string | Buffer, given: string | Buffer): boolean {
  const a = typeof expected === 'string' ? Buffer.from(expected, 'hex') : expected;
  const b = typeof given === 'string' ? Buffer.from(given, 'hex') : given;
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/**
 * Constant-time equality of two secrets given as text (a bearer token): both are hashed first, so
 * neither their lengths nor their contents leak through the time the comparison takes.
 */
export function secretsEqual(expected: string, given: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/** True when `ts` lies within `skewMs` of `nowMs`. */
export function withinSkew(ts: number, nowMs: number, skewMs: number = AUTH_SKEW_MS): boolean {
  return Math.abs(nowMs - ts) <= skewMs;
}

/**
 * Probe ids that cannot be guessed: random uint32s, unique for the allocator's life (one per
 * session). Knowing one id says nothing about the next.
 */
export function randomProbeIds(): () => ProbeId {
  const used = new Set<ProbeId>();
  return () => {
    for (;;) {
      const id = randomInt(1, 0x1_0000_0000 - 1);
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
}

/**
 * The nonces of accepted hellos, each kept until its ts could no longer be accepted (ts + skew).
 * Bounded: when MAX_REMEMBERED_NONCES are live at once, new hellos are refused rather than
 * forgetting one that could still be replayed. Only hellos whose MAC checked out are recorded, so
 * filling it takes the token. Owns no timer: it prunes on each call, given the time.
 */
export class ReplayGuard {
  /** nonce -> the wall-clock ms after which its hello is stale anyway; in insertion order. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly skewMs: number = AUTH_SKEW_MS,
    private readonly capacity: number = MAX_REMEMBERED_NONCES,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** Records `nonce`; 'replayed' if it was seen inside the window, 'full' if no room is left. */
  admit(nonce: string, ts: number, nowMs: number): 'admitted' | 'replayed' | 'full' {
    this.prune(nowMs);
    if (this.seen.has(nonce)) return 'replayed';
    if (this.seen.size >= this.capacity) return 'full';
    this.seen.set(nonce, ts + this.skewMs);
    return 'admitted';
  }

  private prune(nowMs: number): void {
    // Arrival order follows ts within the skew, so the oldest entries are at the head: stop at the
    // first live one (a later-expiring head delays the others by at most 2 x the skew).
    for (const [nonce, expiresAtMs] of this.seen) {
      if (expiresAtMs >= nowMs) return;
      this.seen.delete(nonce);
    }
  }
}
