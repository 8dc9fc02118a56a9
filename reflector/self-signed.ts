/**
 * `idlescope reflector --self-signed`: a certificate made at start, for a reflector without one
 * from a CA. The key pair is Node's own (RSA 2048, crypto.generateKeyPairSync, tens of ms); the
 * certificate around it is built and signed by node-forge, because Node 20 can read certificates
 * (X509Certificate) but not make them. It names localhost, the loopback addresses and the names
 * given (the listen host, --name); clients trust it by its SHA-256 fingerprint (--pin), which the
 * reflector prints, not by any name in it.
 */
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { certificateFingerprint } from '../protocol/tls-pin.js';
import type { TlsIdentity } from './transport-layers.js';

/** How long a self-signed certificate is valid: it is made anew at every start anyway. */
const VALID_DAYS = 365;

/** A certificate, its key, and the fingerprint clients pin. */
export interface SelfSignedIdentity extends TlsIdentity {
  cert: string;
  key: string;
  /** `sha256:<hex>`, for the client's --pin. */
  fingerprint: string;
}

/**
 * Makes a certificate for `names` (host names or IP addresses) plus, unless `loopback` is false,
 * localhost and the loopback addresses. node-forge is loaded here, not at start: only --self-signed
 * (and the demo over TLS) needs it.
 */
export async function selfSignedIdentity(
  names: readonly string[] = [],
  { loopback = true }: { loopback?: boolean } = {},
): Promise<SelfSignedIdentity> {
  const { default: forge } = await import('node-forge');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial: its first hex digit below 8.
  cert.serialNumber = `0${randomBytes(15).toString('hex')}`;
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + VALID_DAYS * 86_400_000);
  const subject = [{ name: 'commonName', value: 'idlescope reflector' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const all = [...(loopback ? ['localhost', '127.0.0.1', '::1'] : []), ...names];
  const altNames = [...new Set(all.filter((n) => n !== ''))].map((name) =>
    isIP(name) === 0 ? { type: 2, value: name } : { type: 7, ip: name },
  );
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return { cert: pem, key: privateKey, fingerprint: certificateFingerprint(new X509Certificate(pem).raw) };
}
