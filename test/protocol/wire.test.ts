import { describe, expect, it } from 'vitest';
import {
  MAX_CONTROL_MESSAGE_BYTES,
  PROBE_HELLO_BYTES,
  PROTOCOL_VERSION,
  classifyConnection,
  decodeClientMessage,
  decodeProbeHello,
  decodeReflectorMessage,
  encodeMessage,
  encodeProbeHello,
  type ClientMessage,
  type ReflectorMessage,
} from '../../protocol/wire.js';

const SESSION = '0123456789abcdef0123456789abcdef';

describe('control messages', () => {
  const clientMessages: ClientMessage[] = [
    { type: 'hello', version: PROTOCOL_VERSION },
    { type: 'hello', version: PROTOCOL_VERSION, resume: { session: SESSION, token: SESSION } },
    { type: 'push', probe: 42 },
    { type: 'heartbeat', seq: 7 },
    { type: 'bye' },
  ];
  it.each(clientMessages)('round-trips client message %j', (message) => {
    expect(decodeClientMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
  });

  const reflectorMessages: ReflectorMessage[] = [
    { type: 'welcome', version: 1, session: SESSION, token: SESSION, resumed: false, probes: [] },
    { type: 'welcome', version: 1, session: SESSION, token: SESSION, resumed: true, probes: [1, 2, 3] },
    { type: 'probe', probe: 3, event: 'attached' },
    { type: 'probe', probe: 3, event: 'reset' },
    { type: 'heartbeat-ack', seq: 9 },
    { type: 'error', code: 'unknown-probe', message: 'no probe 3' },
  ];
  it.each(reflectorMessages)('round-trips reflector message %j', (message) => {
    expect(decodeReflectorMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
  });

  it.each([
    ['not JSON', '{"type":'],
    ['not JSON', 'hello'],
    ['not a JSON object', '[1,2]'],
    ['not a JSON object', 'null'],
    ['unknown message type', '{"type":"launch"}'],
    ['unknown message type', '{}'],
    ['push.probe', '{"type":"push","probe":-1}'],
    ['push.probe', '{"type":"push","probe":"1"}'],
    ['push.probe', '{"type":"push","probe":4294967296}'],
    ['hello.version', '{"type":"hello"}'],
    ['hello.resume', '{"type":"hello","version":1,"resume":{"session":"zz","token":"x"}}'],
    ['heartbeat.seq', '{"type":"heartbeat","seq":1.5}'],
  ])('rejects malformed client input (%s): %s', (reason, raw) => {
    const decoded = decodeClientMessage(raw);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toContain(reason);
  });

  it('rejects truncated and malformed reflector input', () => {
    const full = encodeMessage({ type: 'probe', probe: 1, event: 'pushed' });
    for (let cut = 0; cut < full.length; cut++)
      expect(decodeReflectorMessage(full.slice(0, cut)).ok, `cut at ${cut}`).toBe(false);
    expect(decodeReflectorMessage('{"type":"probe","probe":1,"event":"exploded"}').ok).toBe(false);
    expect(decodeReflectorMessage('{"type":"welcome","version":1}').ok).toBe(false);
    expect(decodeReflectorMessage('{"type":"error","code":"nope","message":"x"}').ok).toBe(false);
  });

  it('rejects oversized input before parsing it', () => {
    const big = JSON.stringify({ type: 'heartbeat', seq: 1, pad: 'x'.repeat(MAX_CONTROL_MESSAGE_BYTES) });
    const decoded = decodeClientMessage(big);
    expect(decoded).toEqual({ ok: false, reason: expect.stringContaining('exceeds') });
    expect(decodeClientMessage(Buffer.from(big)).ok).toBe(false);
  });
});

describe('probe hello', () => {
  it('round-trips and has a fixed size', () => {
    const bytes = encodeProbeHello({ version: PROTOCOL_VERSION, session: SESSION, probe: 0xfffffffe });
    expect(bytes.length).toBe(PROBE_HELLO_BYTES);
    expect(decodeProbeHello(bytes)).toEqual({
      ok: true,
      value: { version: PROTOCOL_VERSION, session: SESSION, probe: 0xfffffffe },
    });
  });

  it('rejects truncated, oversized, wrong magic and wrong version', () => {
    const bytes = encodeProbeHello({ version: PROTOCOL_VERSION, session: SESSION, probe: 1 });
    expect(decodeProbeHello(bytes.subarray(0, PROBE_HELLO_BYTES - 1)).ok).toBe(false);
    expect(decodeProbeHello(Buffer.concat([bytes, Buffer.of(0)])).ok).toBe(false);
    const badMagic = Buffer.from(bytes);
    badMagic[0] = 0x58;
    expect(decodeProbeHello(badMagic)).toEqual({ ok: false, reason: 'bad probe magic' });
    const badVersion = Buffer.from(bytes);
    badVersion[4] = 99;
    expect(decodeProbeHello(badVersion)).toEqual({ ok: false, reason: 'unsupported probe version 99' });
  });
});

describe('classifyConnection', () => {
  it.each([
    ['IDLS', 'probe'],
    ['IDLSxxxx', 'probe'],
    ['ID', 'need-more'],
    ['', 'need-more'],
    ['GET /idlescope HTTP/1.1', 'control'],
    ['GE', 'need-more'],
    ['POST / HTTP/1.1', 'garbage'],
    ['\x16\x03\x01', 'garbage'],
  ])('%j is %s', (text, kind) => {
    expect(classifyConnection(Buffer.from(text, 'latin1'))).toBe(kind);
  });
});

describe('message size limits by direction', () => {
  it('accepts a resumed welcome listing a full session of probes, larger than a client message', async () => {
    const { MAX_PROBES_PER_SESSION, MAX_REFLECTOR_MESSAGE_BYTES } = await import('../../protocol/wire.js');
    const probes = Array.from({ length: MAX_PROBES_PER_SESSION }, (_, i) => 0xfff0_0000 + i);
    const welcome = encodeMessage({
      type: 'welcome',
      version: 1,
      session: SESSION,
      token: SESSION,
      resumed: true,
      probes,
    });
    expect(Buffer.byteLength(welcome)).toBeGreaterThan(MAX_CONTROL_MESSAGE_BYTES);
    expect(Buffer.byteLength(welcome)).toBeLessThan(MAX_REFLECTOR_MESSAGE_BYTES);
    expect(decodeReflectorMessage(welcome).ok).toBe(true);
    expect(
      decodeReflectorMessage(
        '{"type":"heartbeat-ack","seq":1,"pad":"' + 'x'.repeat(MAX_REFLECTOR_MESSAGE_BYTES) + '"}',
      ).ok,
    ).toBe(false);
  });
});
