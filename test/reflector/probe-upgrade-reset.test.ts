/**
 * A WebSocket probe reset between its upgrade and its hello: until the hello makes it a probe,
 * nothing but the sniffer reads the stream, and the RST (ws closes with 1006, the stream ends with
 * ECONNRESET) once reached the process as an uncaught error. One unauthenticated connection could
 * end a public reflector that way; it must close that connection only. Over ws, and over wss, where
 * the error comes from the TLS socket (the 'read ECONNRESET ... TLSWrap.onStreamRead' a CI run failed
 * on, through the end-to-end transports suite's probes being reset as its runs ended).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { describe, it } from 'vitest';
import WebSocket from 'ws';
import { PROBE_PATH } from '../../protocol/wire.js';
import { selfSignedIdentity } from '../../reflector/self-signed.js';
import type { HostPort } from '../../protocol/address.js';
import { bystander, startReflector, useTeardown, waitFor } from './helpers.js';

const identity = await selfSignedIdentity();

/** Upgrades to the probe path (over TLS when `secure`), then resets the TCP connection at once. */
async function upgradeThenReset(address: HostPort, secure: boolean): Promise<void> {
  const raw: Socket = netConnect(address.port, address.host);
  raw.on('error', () => {});
  await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
  const stream = secure ? tlsConnect({ socket: raw, rejectUnauthorized: false }) : raw;
  stream.on('error', () => {});
  const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://${address.host}:${address.port}${PROBE_PATH}`, {
    perMessageDeflate: false,
    createConnection: () => stream,
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('the probe upgrade was refused')));
  });
  raw.resetAndDestroy();
}

describe('a WebSocket probe reset before its hello', () => {
  const defer = useTeardown();

  it.each([false, true])('closes that connection only (wss: %s)', async (secure) => {
    const { reflector, address } = await startReflector(defer, { tls: identity });
    const good = await bystander(defer, address);
    for (let i = 0; i < 5; i++) await upgradeThenReset(address, secure);
    await waitFor('the reset connections to be gone', () => reflector.stats().connections <= 2);
    // The reflector still serves the session it had: a push and an echo on its probe.
    await good.proveAlive(reflector);
  });
});
