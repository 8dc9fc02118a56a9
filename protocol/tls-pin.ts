/**
 * A reflector certificate's fingerprint, as the reflector prints it for --self-signed and the
 * client's --pin names it: `sha256:` and the SHA-256 of the certificate (DER) in lowercase hex.
 * A pin trusts exactly that certificate, whatever its name or issuer (like an SSH host key).
 */
import { createHash } from 'node:crypto';

const PIN_PREFIX = 'sha256:';
const HEX_DIGEST = /^[0-9a-f]{64}$/;

/** The fingerprint of a DER certificate, `sha256:<64 hex>`. */
export function certificateFingerprint(der: Buffer): string {
  return PIN_PREFIX + createHash('sha256').update(der).digest('hex');
}

/**
 * Reads a pin: `sha256:` and 64 hex digits, in either case and with or without colons (openssl's
 * `-fingerprint -sha256` prints them so). Returns the canonical form, or why it is not one.
 */
export function parsePin(text: string): { ok: true; pin: string } | { ok: false; reason: string } {
  const trimmed = text.trim();
  if (!trimmed.toLowerCase().startsWith(PIN_PREFIX))
    return { ok: false, reason: `a pin starts with ${PIN_PREFIX} (the reflector prints it at start)` };
  const hex = trimmed.slice(PIN_PREFIX.length).replaceAll(':', '').toLowerCase();
  if (!HEX_DIGEST.test(hex)) return { ok: false, reason: 'a SHA-256 pin is 64 hex digits after sha256:' };
  return { ok: true, pin: PIN_PREFIX + hex };
}
