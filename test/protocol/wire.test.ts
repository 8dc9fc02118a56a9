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
const NONCE = 'fedcba9876543210fedcba9876543210';
const MAC = 'ab'.repeat(32);
const AUTH = { ts: 1_764_600_000_000, nonce: NONCE, mac: MAC };

describe('what the reflector saw, on the attached report', () => {
  it.each([
    ['no host', { port: 1 }],
    ['a host name, not an address', { host: 'example.net', port: 1 }],
    ['port 0', { host: '192.0.2.1', port: 0 }],
    ['port above 65535', { host: '192.0.2.1', port: 65536 }],
    ['a fractional port', { host: '192.0.2.1', port: 1.5 }],
    ['not an object', '192.0.2.1:1'],
  ])('refuses a seen endpoint with %s', (_why, seen) => {
    const raw = JSON.stringify({ type: 'probe', probe: 3, event: 'attached', seen });
    expect(decodeReflectorMessage(raw)).toEqual({
      ok: false,
      reason: 'probe.seen needs an IP address (host) and a port',
    });
  });

  it('drops fields it does not know from the endpoint', () => {
    const raw = JSON.stringify({
      type: 'probe',
      probe: 3,
      event: 'attached',
      seen: { host: '2001:db8::1', port: 7, extra: true },
    });
    expect(decodeReflectorMessage(raw)).toEqual({
      ok: true,
      value: { type: 'probe', probe: 3, event: 'attached', seen: { host: '2001:db8::1', port: 7 } },
    });
  });
});

describe('control messages', () => {
  const clientMessages: ClientMessage[] = [
    { type: 'hello', version: PROTOCOL_VERSION, auth: AUTH },
    { type: 'hello', version: PROTOCOL_VERSION, auth: AUTH, resume: { session: SESSION } },
    // Another version's hello is decoded no further than its version, to be answered bad-version.
    { type: 'hello', version: 1 },
    { type: 'push', probe: 42 },
    { type: 'heartbeat', seq: 7 },
    { type: 'bye' },
  ];
  it.each(clientMessages)('round-trips client message %j', (message) => {
    expect(decodeClientMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
  });

  const reflectorMessages: ReflectorMessage[] = [
    { type: 'welcome', version: 2, session: SESSION, nonce: NONCE, resumed: false, probes: [] },
    { type: 'welcome', version: 2, session: SESSION, nonce: NONCE, resumed: true, probes: [1, 2, 3] },
    { type: 'error', code: 'unauthorized', message: 'no' },
    { type: 'probe', probe: 3, event: 'attached' },
    { type: 'probe', probe: 3, event: 'attached', seen: { host: '203.0.113.7', port: 40123 } },
    { type: 'probe', probe: 3, event: 'attached', seen: { host: '::ffff:10.0.0.1', port: 1 } },
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
    ['hello.auth needs ts', `{"type":"hello","version":${PROTOCOL_VERSION}}`],
    [
      'hello.auth needs ts',
      `{"type":"hello","version":${PROTOCOL_VERSION},"auth":{"ts":-1,"nonce":"${NONCE}","mac":"${MAC}"}}`,
    ],
    [
      'hello.auth needs ts',
      `{"type":"hello","version":${PROTOCOL_VERSION},"auth":{"ts":1.5,"nonce":"${NONCE}","mac":"${MAC}"}}`,
    ],
    [
      'hello.auth needs ts',
      `{"type":"hello","version":${PROTOCOL_VERSION},"auth":{"ts":1,"nonce":"abc","mac":"${MAC}"}}`,
    ],
    [
      'hello.auth needs ts',
      `{"type":"hello","version":${PROTOCOL_VERSION},"auth":{"ts":1,"nonce":"${NONCE}","mac":"${NONCE}"}}`,
    ],
    [
      'hello.resume',
      `{"type":"hello","version":${PROTOCOL_VERSION},"auth":{"ts":1,"nonce":"${NONCE}","mac":"${MAC}"},` +
        `"resume":{"session":"zz"}}`,
    ],
    [
      'hello.resume',
      `{"type":"hello","version":${PROTOCOL_VERSION},"auth":{"ts":1,"nonce":"${NONCE}","mac":"${MAC}"},` +
        `"resume":7}`,
    ],
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
    // A protocol-1 welcome (a token, no nonce) is not a protocol-2 one.
    expect(
      decodeReflectorMessage(
        `{"type":"welcome","version":1,"session":"${SESSION}","token":"${SESSION}",` +
          `"resumed":false,"probes":[]}`,
      ).ok,
    ).toBe(false);
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
    const mac = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const bytes = encodeProbeHello({ version: PROTOCOL_VERSION, session: SESSION, probe: 0xfffffffe, mac });
    expect(PROBE_HELLO_BYTES, 'magic 4, version 1, session 16, probe 4, MAC 16').toBe(41);
    expect(bytes.length).toBe(PROBE_HELLO_BYTES);
    expect(bytes.subarray(PROBE_HELLO_BYTES - 16).equals(mac), 'the MAC is the last 16 bytes').toBe(true);
    expect(decodeProbeHello(bytes)).toEqual({
      ok: true,
      value: { version: PROTOCOL_VERSION, session: SESSION, probe: 0xfffffffe, mac },
    });
  });

  it('rejects truncated, oversized, wrong magic and wrong version', () => {
    const bytes = encodeProbeHello({
      version: PROTOCOL_VERSION,
      session: SESSION,
      probe: 1,
      mac: Buffer.alloc(16),
    });
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
      version: 2,
      session: SESSION,
      nonce: NONCE,
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
