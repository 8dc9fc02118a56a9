/**
 * ControlChannel.connect() against what is not a reflector, in-process: each failure is the right
 * class, code and message, and the silent listener is given up on the answer timeout, not the
 * connect timeout. Loopback, port 0.
 */
import { describe, expect, it } from 'vitest';
import { ControlChannel } from '../../../client/discovery/control-channel.js';
import {
  IdlescopeError,
  NotAReflectorError,
  ReflectorUnreachableError,
  type IdlescopeErrorCode,
} from '../../../protocol/errors.js';
import { closedPort } from '../../helpers/loopback-stack.js';
import { SSH_BANNER, startNotAReflector, type NotAReflectorKind } from '../../helpers/not-a-reflector.js';
import { useTeardown, within } from '../../helpers/teardown.js';

const ANSWER_TIMEOUT_MS = 300;

async function connectError(
  defer: ReturnType<typeof useTeardown>,
  port: number,
): Promise<{ error: IdlescopeError; elapsedMs: number }> {
  const control = new ControlChannel(
    { host: '127.0.0.1', port },
    { answerTimeoutMs: ANSWER_TIMEOUT_MS, resumeWindowMs: 0 },
  );
  defer(() => control.close());
  const startedMs = performance.now();
  const error = await within(
    control.connect().then(
      () => new Error('connect() resolved'),
      (thrown: unknown) => thrown,
    ),
    5000,
    'connect() to settle',
  );
  expect(error, `an IdlescopeError: ${String(error)}`).toBeInstanceOf(IdlescopeError);
  return { error: error as IdlescopeError, elapsedMs: performance.now() - startedMs };
}

const CASES: { kind: NotAReflectorKind; seen: string }[] = [
  { kind: 'http', seen: 'answered HTTP 404' },
  { kind: 'banner', seen: `answered ${JSON.stringify(SSH_BANNER)} instead of HTTP` },
  { kind: 'silent', seen: `accepted the connection but answered nothing in ${ANSWER_TIMEOUT_MS / 1000} s` },
  { kind: 'websocket', seen: 'speaks WebSocket but not the idlescope protocol' },
];

describe('ControlChannel.connect() to something that is not a reflector', () => {
  for (const c of CASES) {
    it(`rejects with NotAReflectorError on a ${c.kind} server`, async ({ onTestFinished }) => {
      const defer = useTeardown(onTestFinished);
      const server = await startNotAReflector(defer, c.kind);
      const { error, elapsedMs } = await connectError(defer, server.address.port);
      const label = `127.0.0.1:${server.address.port}`;
      expect(error, 'error class').toBeInstanceOf(NotAReflectorError);
      expect(error.code, 'stable code').toBe<IdlescopeErrorCode>('IDLESCOPE_NOT_A_REFLECTOR');
      expect(error.message.startsWith(`${label} ${c.seen}`), `message: ${error.message}`).toBe(true);
      expect(error.message.endsWith(': not an idlescope reflector (is the port right?)'), error.message).toBe(
        true,
      );
      if (c.kind === 'silent')
        expect(elapsedMs, 'given up on the answer timeout, well before the connect timeout').toBeLessThan(
          ANSWER_TIMEOUT_MS + 1000,
        );
    });
  }

  it('rejects with ReflectorUnreachableError on a closed port, with what to check', async ({
    onTestFinished,
  }) => {
    const defer = useTeardown(onTestFinished);
    const port = await closedPort();
    const { error } = await connectError(defer, port);
    expect(error, 'error class').toBeInstanceOf(ReflectorUnreachableError);
    expect(error.code, 'stable code').toBe<IdlescopeErrorCode>('IDLESCOPE_REFLECTOR_UNREACHABLE');
    expect(error.message, 'message').toBe(
      `cannot reach reflector 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}; ` +
        'nothing listens there: is `idlescope reflector` running, and is the port right?',
    );
  });
});
