import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { ControlChannel } from '../../../client/discovery/control-channel.js';
import { ProbeConnection } from '../../../client/discovery/probe-connection.js';
import { Reflector } from '../../../reflector/reflector.js';
import { PUSH_BYTE } from '../../../protocol/wire.js';
import { useTeardown, within } from '../../helpers/teardown.js';

/** The WebSocket's TCP socket, to sever the control channel the way a middlebox would. */
function controlSocket(control: ControlChannel): Socket {
  const ws = (control as unknown as { ws: { _socket: Socket } | null }).ws;
  if (ws === null) throw new Error('control channel has no socket');
  return ws._socket;
}

describe('ControlChannel resume', () => {
  it('resumes the same session after the channel drops, and its idle probe still answers a push', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const reflector = new Reflector();
    defer(() => reflector.close());
    const address = await reflector.listen('127.0.0.1', 0);
    const control = new ControlChannel(address, { resumeWindowMs: 10_000 });
    defer(() => control.close());
    await within(control.connect(), 5000, 'welcome');
    const session = control.credentials!;

    const probe = new ProbeConnection(address.host, address.port, session, 7);
    defer(() => probe.destroy());
    const attached = new Promise<void>((resolve) =>
      control.on('probe', (id, event) => id === 7 && event === 'attached' && resolve()),
    );
    await within(attached, 5000, 'probe attached');

    const interrupted = once(control, 'interrupted');
    const resumed = once(control, 'resumed');
    controlSocket(control).destroy();
    await within(interrupted, 5000, 'interrupted');
    const [probes] = (await within(resumed, 8000, 'resumed')) as [number[]];
    expect(control.session, 'the same session').toBe(session.session);
    expect(probes, 'the reflector still holds the idle probe').toContain(7);

    const pushed = new Promise<number>((resolve) => probe.on('byte', resolve));
    control.push(7);
    expect(await within(pushed, 5000, 'push on the resumed session')).toBe(PUSH_BYTE);
  });

  it('reports the reflector gone at once when nothing listens any more (its process exited)', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const reflector = new Reflector();
    const address = await reflector.listen('127.0.0.1', 0);
    const control = new ControlChannel(address, { resumeWindowMs: 30_000 });
    defer(() => control.close());
    await within(control.connect(), 5000, 'welcome');
    const gone = once(control, 'gone');
    const started = performance.now();
    await reflector.close();
    const [why] = (await within(gone, 5000, 'gone')) as [string];
    expect(why).toMatch(/could not resume the session/);
    expect(why).toMatch(/ECONNREFUSED/);
    expect(performance.now() - started, 'a refused resume ends at once, not after the window').toBeLessThan(
      4000,
    );
  });

  it('does not try to resume when the window is 0', async ({ onTestFinished }) => {
    const defer = useTeardown(onTestFinished);
    const reflector = new Reflector();
    defer(() => reflector.close());
    const address = await reflector.listen('127.0.0.1', 0);
    const control = new ControlChannel(address, { resumeWindowMs: 0 });
    defer(() => control.close());
    await within(control.connect(), 5000, 'welcome');
    let interruptions = 0;
    control.on('interrupted', () => interruptions++);
    const gone = once(control, 'gone');
    controlSocket(control).destroy();
    await within(gone, 5000, 'gone');
    expect(interruptions).toBe(0);
  });
});
