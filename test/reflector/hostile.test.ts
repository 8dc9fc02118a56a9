import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_MESSAGE_BYTES } from '../../protocol/wire.js';
import {
  bystander,
  openControl,
  openRaw,
  newHello,
  openSession,
  startReflector,
  useTeardown,
  type TestControl,
} from './helpers.js';

type Abuse = { name: string; send: (control: TestControl) => void; closeCode: number; errorMessage: boolean };

const abuses: Abuse[] = [
  {
    name: 'malformed JSON',
    send: (c) => c.sendRaw('{"type":"heartbeat",'),
    closeCode: 1002,
    errorMessage: true,
  },
  {
    name: 'a binary frame',
    send: (c) => c.sendRaw(Buffer.from('{"type":"bye"}'), true),
    closeCode: 1003,
    errorMessage: true,
  },
  // ws refuses the frame itself (1009) before any message exists, so no error message can be sent.
  {
    name: 'an oversized message',
    send: (c) => c.sendRaw(`{"type":"heartbeat","pad":"${'x'.repeat(MAX_CONTROL_MESSAGE_BYTES)}"}`),
    closeCode: 1009,
    errorMessage: false,
  },
  {
    name: 'an unknown message type',
    send: (c) => c.sendRaw('{"type":"reboot"}'),
    closeCode: 1002,
    errorMessage: true,
  },
  {
    name: 'a push with a bad probe id',
    send: (c) => c.sendRaw('{"type":"push","probe":-1}'),
    closeCode: 1002,
    errorMessage: true,
  },
  {
    name: 'a second hello',
    send: (c) => c.send(newHello()),
    closeCode: 1002,
    errorMessage: true,
  },
];

describe('reflector under hostile control messages', () => {
  const defer = useTeardown();

  it.each(abuses)('$name closes only that control channel', async ({ send, closeCode, errorMessage }) => {
    const { reflector, address } = await startReflector(defer);
    const good = await bystander(defer, address);
    const { control: bad } = await openSession(defer, address);
    send(bad);
    expect(await bad.closed(), 'close code of the offending channel').toBe(closeCode);
    if (errorMessage) {
      const error = bad.messages.find((m) => m.type === 'error');
      expect(error, 'an error message preceded the close').toMatchObject({
        type: 'error',
        code: 'bad-message',
      });
    }
    await good.proveAlive(reflector);
  });

  it('rejects a message before hello with bad-message', async () => {
    const { reflector, address } = await startReflector(defer);
    const good = await bystander(defer, address);
    const bad = await openControl(defer, address);
    bad.send({ type: 'push', probe: 1 });
    expect((await bad.next('error')).code, 'error code').toBe('bad-message');
    expect(await bad.closed(), 'close code').toBe(1002);
    await good.proveAlive(reflector);
  });

  it('closes a stalled HTTP request at the hello deadline and a broken one at once', async () => {
    const { reflector, address } = await startReflector(defer, { helloTimeoutMs: 300 });
    const good = await bystander(defer, address);
    const stalled = await openRaw(defer, address, Buffer.from('GET /idlescope HTTP/1.1\r\nHost: x\r\n'));
    const broken = await openRaw(defer, address, Buffer.from('GET \x00\x01\x02 nonsense\r\n\r\n'));
    await broken.closedByPeer();
    await stalled.closedByPeer(2000);
    await good.proveAlive(reflector);
  });

  it('refuses an upgrade on another path with 404', async () => {
    const { reflector, address } = await startReflector(defer);
    const good = await bystander(defer, address);
    await expect(openControl(defer, address, '/elsewhere'), 'the upgrade is refused').rejects.toThrow(/404/);
    await good.proveAlive(reflector);
  });
});
