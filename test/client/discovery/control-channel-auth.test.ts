/**
 * The client's side of authentication: with the right token it gets a session whose credentials
 * attach probes; with the wrong one, or against a reflector of another protocol, connect() fails
 * saying what to do. In-process, loopback, port 0.
 */
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ControlChannel } from '../../../client/discovery/control-channel.js';
import { ProbeConnection } from '../../../client/discovery/probe-connection.js';
import { ReflectorRefusedError } from '../../../protocol/errors.js';
import type { HostPort } from '../../../protocol/address.js';
import { CONTROL_PATH, PROTOCOL_VERSION } from '../../../protocol/wire.js';
import { Reflector } from '../../../reflector/reflector.js';
import { useTeardown, within } from '../../helpers/teardown.js';

async function refusal(control: ControlChannel): Promise<ReflectorRefusedError> {
  const error = await within(
    control.connect().then(
      () => new Error('connect() resolved'),
      (thrown: unknown) => thrown,
    ),
    5000,
    'connect() to settle',
  );
  expect(error, `a refusal: ${String(error)}`).toBeInstanceOf(ReflectorRefusedError);
  return error as ReflectorRefusedError;
}

describe('ControlChannel authentication', () => {
  it('proves the token, and its credentials attach a probe', async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const reflector = new Reflector({ token: 't0ken' });
    defer(() => reflector.close());
    const address = await reflector.listen('127.0.0.1', 0);
    const control = new ControlChannel(address, { token: 't0ken' });
    defer(() => control.close());
    await within(control.connect(), 5000, 'welcome');
    const credentials = control.credentials!;
    expect(credentials.session, 'the session id').toBe(control.session);
    expect(credentials.secret.length, 'a 32-byte secret, derived, never sent').toBe(32);
    const attached = new Promise<void>((resolve) =>
      control.on('probe', (id, event) => id === 42 && event === 'attached' && resolve()),
    );
    const probe = new ProbeConnection(address.host, address.port, credentials, 42);
    defer(() => probe.destroy());
    await within(attached, 5000, 'probe attached');
  });

  it('says unauthorized, and how to give the token, when the token is wrong', async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const reflector = new Reflector({ token: 't0ken' });
    defer(() => reflector.close());
    const address = await reflector.listen('127.0.0.1', 0);
    const control = new ControlChannel(address, { token: 'nope', resumeWindowMs: 0 });
    defer(() => control.close());
    const error = await refusal(control);
    expect(error.message, 'the refusal and the fix').toMatch(
      /unauthorized: the hello does not prove the reflector's token .*--token, --token-file or IDLESCOPE_TOKEN/,
    );
    expect(control.credentials, 'no session').toBeNull();
  });

  it('tells the user to upgrade the reflector when it speaks protocol 1', async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    // What a protocol-1 reflector answers any hello of another version.
    const old = new WebSocketServer({ host: '127.0.0.1', port: 0, path: CONTROL_PATH });
    defer(() => new Promise<void>((resolve) => old.close(() => resolve())));
    old.on('connection', (ws) =>
      ws.once('message', () => {
        ws.send(
          JSON.stringify({
            type: 'error',
            code: 'bad-version',
            message: `this reflector speaks protocol v1, not v${PROTOCOL_VERSION}`,
          }),
        );
        ws.close(1008);
      }),
    );
    await new Promise<void>((resolve) => old.once('listening', resolve));
    const { port } = old.address() as { port: number };
    const address: HostPort = { host: '127.0.0.1', port };
    const control = new ControlChannel(address, { resumeWindowMs: 0 });
    defer(() => control.close());
    const error = await refusal(control);
    expect(error.message, 'which side to upgrade').toContain(
      `bad-version: reflector speaks protocol 1, this client ${PROTOCOL_VERSION}: upgrade the reflector`,
    );
  });
});
