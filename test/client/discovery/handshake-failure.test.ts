import { describe, expect, it } from 'vitest';
import { dialFailure, handshakeFailure } from '../../../client/discovery/handshake-failure.js';
import { NotAReflectorError, ReflectorUnreachableError } from '../../../protocol/errors.js';

const LABEL = '127.0.0.1:7000';
const SUFFIX = ': not an idlescope reflector (is the port right?)';

function parseError(raw: Buffer): Error {
  return Object.assign(new Error('Parse Error: Expected HTTP/'), {
    code: 'HPE_INVALID_CONSTANT',
    rawPacket: raw,
  });
}

describe('handshakeFailure', () => {
  it('quotes the first line of a text banner', () => {
    const error = handshakeFailure(LABEL, parseError(Buffer.from('220 mail ESMTP\r\nmore')), 'connected');
    expect(error, 'class').toBeInstanceOf(NotAReflectorError);
    expect(error.code, 'code').toBe('IDLESCOPE_NOT_A_REFLECTOR');
    expect(error.message, 'message').toBe(`${LABEL} answered "220 mail ESMTP" instead of HTTP${SUFFIX}`);
  });

  it('shows the first bytes of binary in hex (a TLS alert)', () => {
    const raw = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]);
    const error = handshakeFailure(LABEL, parseError(raw), 'connected');
    expect(error, 'class').toBeInstanceOf(NotAReflectorError);
    expect(error.message, 'message').toBe(
      `${LABEL} answered bytes 15 03 03 00 02 02 46 instead of HTTP ` +
        `(TLS: try --transport tls or wss)${SUFFIX}`,
    );
  });

  it('calls a wrong WebSocket upgrade not a reflector', () => {
    const error = handshakeFailure(LABEL, new Error('Invalid Sec-WebSocket-Accept header'), 'upgraded');
    expect(error, 'class').toBeInstanceOf(NotAReflectorError);
    expect(error.message, 'message').toBe(
      `${LABEL} answered the WebSocket upgrade wrongly (Invalid Sec-WebSocket-Accept header)${SUFFIX}`,
    );
  });

  it('calls a connection that never completes unreachable, with what to check', () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
      name: 'TimeoutError',
    });
    const error = dialFailure(LABEL, timeout, 10_000);
    expect(error, 'class').toBeInstanceOf(ReflectorUnreachableError);
    expect(error.code, 'code').toBe('IDLESCOPE_REFLECTOR_UNREACHABLE');
    expect(error.message, 'message').toBe(
      `cannot reach reflector ${LABEL}: connect ETIMEDOUT after 10 s; ` +
        'no answer: is the host up, and the port open in its firewall?',
    );
  });

  it('calls a channel reset before the welcome unreachable, not a wrong upgrade', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const error = handshakeFailure(LABEL, reset, 'open');
    expect(error, 'class').toBeInstanceOf(ReflectorUnreachableError);
    expect(error.message, 'message').toBe(`cannot reach reflector ${LABEL}: read ECONNRESET`);
  });
});
