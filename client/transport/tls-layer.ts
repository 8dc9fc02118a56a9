/**
 * TLS over a dialed socket, for the tls and wss transports and the wss control channel.
 *
 * Trust: by default the reflector's certificate must be valid for the name the user gave (or its
 * IP) and signed by a CA Node trusts (NODE_EXTRA_CA_CERTS adds one). With a pin, exactly the
 * certificate whose SHA-256 it names is trusted, whatever its name or issuer: that is how a
 * reflector run with --self-signed is reached. A failure is one IdlescopeError: a certificate not
 * trusted, a pin that does not match, or a peer that does not speak TLS at all.
 *
 * Nothing after the handshake: a TLS 1.3 server sends its session tickets once it has the client's
 * Finished, about one round trip after the handshake completes here, and the client's TCP acknowledges
 * them. Sent after the hello, those packets would refresh a middlebox's idle timer just after the
 * probe's idle clock started. So secure() resolves only once TLS13_SESSION_TICKETS tickets have
 * arrived, or TICKET_WAIT_MS passed (another server may send fewer). Node never starts a key
 * update or a renegotiation on its own, and neither does this layer.
 *
 * Timers: the ticket wait, cleared when it ends; the handshake itself is bounded by the caller's
 * signal.
 *
 * Errors: the TLS socket handed out keeps an error sink of its own, as the reflector's do
 * (reflector/transport-layers.ts). Its owners (a probe, ws, the http client under ws) each listen for
 * 'error' themselves, within the same tick, and learn of the end by 'close' too: the sink is defence
 * in depth, so that a future owner that listens late cannot turn a peer's RST into an uncaught
 * exception that ends the whole run.
 */
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import { TLS13_SESSION_TICKETS } from '../../protocol/wire.js';
import { certificateFingerprint } from '../../protocol/tls-pin.js';
import {
  IdlescopeError,
  NotTlsError,
  TlsCertificateError,
  TlsPinMismatchError,
  describeCause,
} from '../../protocol/errors.js';
import type { TlsLayer } from './probe-transport.js';

/** How long to wait for a TLS 1.3 server's session tickets before the hello (see the header). */
export const TICKET_WAIT_MS = 1000;

export interface TlsTrust {
  /** `sha256:<hex>` (protocol/tls-pin.ts): trust exactly this certificate. Null: a CA and the name. */
  pin: string | null;
  /** CA certificates (PEM) to trust instead of Node's (tests; users have NODE_EXTRA_CA_CERTS). */
  ca?: string | Buffer | undefined;
}

/** Certificate failures Node reports by code (OpenSSL's verify errors and the name check). */
const CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ISSUER/;

export function tlsLayer(trust: TlsTrust): TlsLayer {
  return { secure: (socket, target, signal) => secure(socket, target, signal, trust) };
}

function secure(socket: Socket, target: HostPort, signal: AbortSignal, trust: TlsTrust): Promise<TLSSocket> {
  const label = formatHostPort(target);
  return new Promise<TLSSocket>((resolve, reject) => {
    const tls = tlsConnect({
      socket,
      host: target.host,
      // SNI carries names only; for an IP the certificate is checked against the IP.
      ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
      rejectUnauthorized: trust.pin === null,
      ...(trust.ca === undefined ? {} : { ca: trust.ca }),
    });
    let tickets = 0;
    let ticketTimer: NodeJS.Timeout | null = null;
    let settled = false;
    const cleanup = (): void => {
      settled = true;
      if (ticketTimer !== null) clearTimeout(ticketTimer);
      tls.off('error', tlsOnError);
      tls.off('session', tlsOnSession);
      tls.off('secureConnect', tlsOnSecureConnect);
      signal.removeEventListener('abort', signalOnAbort);
    };
    const fail = (error: IdlescopeError): void => {
      if (settled) return;
      cleanup();
      tls.on('error', noop);
      tls.destroy();
      socket.destroy();
      reject(error);
    };
    const done = (): void => {
      if (settled) return;
      cleanup();
      tls.on('error', noop);
      resolve(tls);
    };
    const tlsOnError = (error: NodeJS.ErrnoException): void => fail(tlsFailure(label, error));
    const tlsOnSession = (): void => {
      tickets++;
      // On a fresh tick: a request written from inside the session callback is lost (ws: "socket hang up").
      if (ticketTimer !== null && tickets >= TLS13_SESSION_TICKETS) setImmediate(done);
    };
    const tlsOnSecureConnect = (): void => {
      if (trust.pin !== null) {
        const presented = certificateFingerprint(tls.getPeerCertificate().raw);
        if (presented !== trust.pin) {
          fail(new TlsPinMismatchError(label, trust.pin, presented));
          return;
        }
      }
      // TLS 1.2 sends its ticket (if any) inside the handshake: nothing follows it.
      if (tls.getProtocol() !== 'TLSv1.3' || tickets >= TLS13_SESSION_TICKETS) {
        done();
        return;
      }
      ticketTimer = setTimeout(done, TICKET_WAIT_MS);
    };
    const signalOnAbort = (): void => {
      const reason: unknown = signal.reason;
      const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
      fail(
        timedOut
          ? new NotTlsError(label, 'no TLS answer before the connect timeout')
          : new NotTlsError(label, `given up: ${describeCause(reason)}`),
      );
    };
    tls.on('error', tlsOnError);
    tls.on('session', tlsOnSession);
    tls.once('secureConnect', tlsOnSecureConnect);
    if (signal.aborted) signalOnAbort();
    else signal.addEventListener('abort', signalOnAbort, { once: true });
  });
}

/** What a TLS handshake's error means for the user. */
function tlsFailure(label: string, error: NodeJS.ErrnoException): IdlescopeError {
  const code = error.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new TlsCertificateError(label, `${error.message} (pass --pin to trust this very certificate)`, {
      cause: error,
    });
  if (CERTIFICATE_CODE.test(code))
    return new TlsCertificateError(
      label,
      `${code} ${error.message}; for a reflector run with --self-signed, pass --pin with the ` +
        'fingerprint it printed',
      { cause: error },
    );
  return new NotTlsError(label, describeCause(error), { cause: error });
}

function noop(): void {}
