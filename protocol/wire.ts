/**
 * The idlescope wire protocol: the one module both the client and the reflector import.
 *
 * One TCP port carries two kinds of connection, told apart by their first bytes:
 *
 *   control channel   "GET /idlescope ..."  an HTTP upgrade to a WebSocket; JSON text messages.
 *   probe connection  PROBE_MAGIC ...       a raw TCP connection that opens with a fixed-size hello
 *                                           (magic, version, session id, probe id, MAC) and then
 *                                           carries NOTHING until its test moment.
 *
 * A probe test is one byte each way, so the stream needs no framing:
 *
 *   inbound   client --control{push}--> reflector --PUSH_BYTE--> probe --> client      (survived)
 *   outbound  client --PING_BYTE--> probe --> reflector --ECHO_BYTE--> probe --> client (survived)
 *
 * Everything the reflector sees on a probe (hello accepted, byte pushed, ping echoed, RST, FIN) it
 * reports on the control channel, so the client can classify an eviction it could not see itself
 * (a NAT that answers the reflector's push with RST never lets the client see anything). With
 * 'attached' it also says where the probe came from as its socket saw it (`seen`: the address and
 * port after every NAT on the path), so the client can tell whether a NAT rewrote it. That report
 * travels on the control channel, never on the probe: the probe carries nothing after its hello.
 * `seen` is optional, so a client of this version reads an older reflector's 'attached' as before.
 *
 * Authentication (protocol 2, the HMACs in protocol/auth.ts): the hello proves the token with a MAC
 * over a timestamp and a nonce; the welcome gives the reflector's nonce, from which both sides derive
 * the session's secret (it never travels). Each probe hello carries a MAC keyed by that secret, and a
 * resuming hello proves the same secret. So a sniffed session id or probe hello is worth nothing.
 *
 * Decoding is total: every decoder returns a tagged result and never throws on hostile input.
 */
import { isIP } from 'node:net';
import { HELLO_MAC_HEX_LENGTH, NONCE_BYTES, PROBE_MAC_BYTES } from './auth.js';

export const PROTOCOL_VERSION = 2;

/** The WebSocket path of the control channel. */
export const CONTROL_PATH = '/idlescope';

/** Default reflector port. */
export const DEFAULT_PORT = 7000;

/** Largest control message the reflector accepts from a client (also its ws `maxPayload`). */
export const MAX_CONTROL_MESSAGE_BYTES = 4096;

/**
 * Largest message the client accepts from the reflector: a resumed welcome lists every probe still
 * open, up to MAX_PROBES_PER_SESSION of them, so it is allowed more room than a client message.
 */
export const MAX_REFLECTOR_MESSAGE_BYTES = 256 * 1024;

/** The client sends a heartbeat this often so no middlebox ever evicts the control channel. */
export const CONTROL_HEARTBEAT_INTERVAL_MS = 1000;

/** Either side gives up on a control channel that has been silent this long. */
export const CONTROL_SILENCE_LIMIT_MS = 10_000;

/** A probe connection must send its whole hello within this time of connecting, or it is closed. */
export const PROBE_HELLO_TIMEOUT_MS = 10_000;

/** The reflector keeps a session whose control channel dropped this long, for the client to resume. */
export const SESSION_RESUME_GRACE_MS = 120_000;

/** Per-session and per-reflector limits, so one client cannot exhaust the reflector. */
export const MAX_PROBES_PER_SESSION = 16_384;
export const MAX_SESSIONS = 256;

/** Probe bytes. One byte per test keeps the stream self-synchronising. */
export const PUSH_BYTE = 0x50; // 'P': reflector -> client, inbound test
export const PING_BYTE = 0x45; // 'E': client -> reflector, outbound test
export const ECHO_BYTE = 0x65; // 'e': reflector -> client, answer to PING_BYTE

/** Probe hello: magic(4) | version(1) | session id(16) | probe id (uint32 BE) | MAC(16). */
export const PROBE_MAGIC = Buffer.from('IDLS', 'ascii');
export const SESSION_ID_BYTES = 16;
export const PROBE_HELLO_BYTES = PROBE_MAGIC.length + 1 + SESSION_ID_BYTES + 4 + PROBE_MAC_BYTES;
/** Where the version byte sits in a probe hello: readable before the rest has arrived. */
export const PROBE_VERSION_OFFSET = PROBE_MAGIC.length;

/** Session ids travel as lowercase hex in JSON and as raw bytes in a probe hello. */
const SESSION_ID_PATTERN = /^[0-9a-f]{32}$/;
const NONCE_PATTERN = new RegExp(`^[0-9a-f]{${2 * NONCE_BYTES}}$`);
const MAC_PATTERN = new RegExp(`^[0-9a-f]{${HELLO_MAC_HEX_LENGTH}}$`);

export type ProbeId = number;
export type SessionId = string;

/** A client's address and port as the reflector's socket saw them (after any NAT on the path). */
export interface SeenEndpoint {
  /** An IPv4 or IPv6 address, as Node reports a peer (an IPv4-mapped IPv6 one on a dual-stack listener). */
  host: string;
  port: number;
}

/** What the reflector saw happen to a probe connection on its side. */
export type ProbeEventKind =
  | 'attached' //  hello accepted: the probe is idle from here on
  | 'pushed' //    PUSH_BYTE written (inbound test sent)
  | 'echoed' //    PING_BYTE received and ECHO_BYTE written (outbound test answered)
  | 'reset' //     RST / ECONNRESET / EPIPE on the reflector's side
  | 'closed'; //   FIN from the client's direction

/**
 * What a hello proves: `ts` (the client's wall clock, ms since the epoch) and a fresh `nonce`, with
 * `mac` over both, keyed by the token for a new session or by the session's secret for a resume.
 */
export interface HelloAuth {
  ts: number;
  nonce: string;
  mac: string;
}

export type ClientMessage =
  /**
   * `auth` is required in protocol 2; a hello of another version decodes without it, so that the
   * reflector can answer any version's hello with which side to upgrade.
   */
  | { type: 'hello'; version: number; auth?: HelloAuth; resume?: { session: SessionId } }
  | { type: 'push'; probe: ProbeId }
  | { type: 'heartbeat'; seq: number }
  | { type: 'bye' };

export type ReflectorMessage =
  | {
      type: 'welcome';
      version: number;
      session: SessionId;
      /** The reflector's nonce, from which (with the client's) both sides derive the secret. */
      nonce: string;
      resumed: boolean;
      probes: ProbeId[];
    }
  /** `seen` only with 'attached': where the probe connection came from, as the reflector saw it. */
  | { type: 'probe'; probe: ProbeId; event: ProbeEventKind; seen?: SeenEndpoint }
  | { type: 'heartbeat-ack'; seq: number }
  | { type: 'error'; code: ProtocolErrorCode; message: string };

export type ProtocolErrorCode =
  | 'bad-message'
  | 'bad-version'
  | 'unauthorized'
  | 'unknown-session'
  | 'unknown-probe'
  | 'too-many-probes'
  | 'too-many-sessions'
  /** A test on a probe idle longer than the reflector holds one (its --max-idle). */
  | 'idle-too-long'
  /** A second test on a probe before the first was answered: the probe is closed. */
  | 'test-outstanding'
  /** The reflector holds as many connections as it allows in all (reflector/admission.ts). */
  | 'too-many-connections'
  /** The client's address (an IPv4 address, an IPv6 /64) holds as many connections as it may. */
  | 'too-many-connections-per-address'
  /** The client's address holds as many sessions as it may. */
  | 'too-many-sessions-per-address';

/**
 * Close codes (RFC 6455's private range) with which a reflector ends a session on one of its
 * limits, and what they mean in plain words: the client gives up at once (a resume would be
 * refused) and says why.
 */
export const SESSION_LIMIT_CLOSE = {
  'control-backlog': 4001,
  'event-rate': 4002,
  'session-life': 4003,
} as const;

export type SessionLimitReason = keyof typeof SESSION_LIMIT_CLOSE;

const SESSION_LIMIT_TEXT: Record<SessionLimitReason, string> = {
  'control-backlog': 'its control channel was not read (the reflector paused it, then gave up)',
  'event-rate': 'it asked for more tests per second than the reflector allows',
  'session-life': 'it lived longer than the reflector lets a session live',
};

/** The plain words for a session-limit close code, or null for any other code. */
export function sessionLimitText(closeCode: number): string | null {
  for (const [reason, code] of Object.entries(SESSION_LIMIT_CLOSE) as [SessionLimitReason, number][]) {
    if (code === closeCode) return `${reason}: ${SESSION_LIMIT_TEXT[reason]}`;
  }
  return null;
}

/**
 * What both sides say when their protocol versions differ: which side to upgrade. The older side
 * is the one to upgrade (a newer client than reflector: upgrade the reflector).
 */
export function versionMismatch(reflectorVersion: number, clientVersion: number): string {
  const older = clientVersion < reflectorVersion ? 'client' : 'reflector';
  return `reflector speaks protocol ${reflectorVersion}, this client ${clientVersion}: upgrade the ${older}`;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

export function encodeMessage(message: ClientMessage | ReflectorMessage): string {
  return JSON.stringify(message);
}

function parseObject(raw: string | Buffer, maxBytes: number): Decoded<Record<string, unknown>> {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (bytes > maxBytes) return fail(`message of ${bytes} bytes exceeds ${maxBytes}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return fail('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return fail('not a JSON object');
  return { ok: true, value: parsed as Record<string, unknown> };
}

const isUint32 = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;
const isSessionId = (v: unknown): v is SessionId => typeof v === 'string' && SESSION_ID_PATTERN.test(v);
const isNonce = (v: unknown): v is string => typeof v === 'string' && NONCE_PATTERN.test(v);
const isMac = (v: unknown): v is string => typeof v === 'string' && MAC_PATTERN.test(v);
const isTimestamp = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function decodeSeen(v: unknown): SeenEndpoint | null {
  if (typeof v !== 'object' || v === null) return null;
  const { host, port } = v as Record<string, unknown>;
  if (typeof host !== 'string' || isIP(host) === 0) return null;
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) return null;
  return { host, port: port as number };
}

function decodeHello(m: Record<string, unknown>): Decoded<ClientMessage> {
  const version = m['version'];
  if (!isUint32(version)) return fail('hello.version must be an integer');
  // Another version's hello is not read further: the reflector only answers it with bad-version.
  if (version !== PROTOCOL_VERSION) return { ok: true, value: { type: 'hello', version } };
  const given = m['auth'];
  if (typeof given !== 'object' || given === null)
    return fail('hello.auth needs ts (ms), nonce and mac (hex)');
  const { ts, nonce, mac } = given as Record<string, unknown>;
  if (!isTimestamp(ts) || !isNonce(nonce) || !isMac(mac))
    return fail('hello.auth needs ts (ms), nonce and mac (hex)');
  const auth = { ts, nonce, mac };
  const resume = m['resume'];
  if (resume === undefined) return { ok: true, value: { type: 'hello', version, auth } };
  if (typeof resume !== 'object' || resume === null) return fail('hello.resume must be an object');
  const { session } = resume as Record<string, unknown>;
  if (!isSessionId(session)) return fail('hello.resume needs a session id');
  return { ok: true, value: { type: 'hello', version, auth, resume: { session } } };
}

/** Decodes a message the client sent; used by the reflector. */
export function decodeClientMessage(raw: string | Buffer): Decoded<ClientMessage> {
  const object = parseObject(raw, MAX_CONTROL_MESSAGE_BYTES);
  if (!object.ok) return object;
  const m = object.value;
  switch (m['type']) {
    case 'hello':
      return decodeHello(m);
    case 'push':
      return isUint32(m['probe'])
        ? { ok: true, value: { type: 'push', probe: m['probe'] } }
        : fail('push.probe must be a probe id');
    case 'heartbeat':
      return isUint32(m['seq'])
        ? { ok: true, value: { type: 'heartbeat', seq: m['seq'] } }
        : fail('heartbeat.seq must be an integer');
    case 'bye':
      return { ok: true, value: { type: 'bye' } };
    default:
      return fail(`unknown message type ${JSON.stringify(m['type'])?.slice(0, 40) ?? 'undefined'}`);
  }
}

const PROBE_EVENTS: readonly ProbeEventKind[] = ['attached', 'pushed', 'echoed', 'reset', 'closed'];
const ERROR_CODES: readonly ProtocolErrorCode[] = [
  'bad-message',
  'bad-version',
  'unauthorized',
  'unknown-session',
  'unknown-probe',
  'too-many-probes',
  'too-many-sessions',
  'idle-too-long',
  'test-outstanding',
  'too-many-connections',
  'too-many-connections-per-address',
  'too-many-sessions-per-address',
];

/** Decodes a message the reflector sent; used by the client. */
export function decodeReflectorMessage(raw: string | Buffer): Decoded<ReflectorMessage> {
  const object = parseObject(raw, MAX_REFLECTOR_MESSAGE_BYTES);
  if (!object.ok) return object;
  const m = object.value;
  switch (m['type']) {
    case 'welcome': {
      const { version, session, nonce, resumed, probes } = m;
      if (!isUint32(version) || !isSessionId(session) || !isNonce(nonce) || typeof resumed !== 'boolean') {
        return fail('welcome needs version, session, nonce and resumed');
      }
      if (!Array.isArray(probes) || !probes.every(isUint32)) return fail('welcome.probes must be probe ids');
      return { ok: true, value: { type: 'welcome', version, session, nonce, resumed, probes } };
    }
    case 'probe': {
      const { probe, event, seen } = m;
      if (!isUint32(probe)) return fail('probe.probe must be a probe id');
      if (!PROBE_EVENTS.includes(event as ProbeEventKind)) return fail('probe.event is not a known event');
      const value = { type: 'probe' as const, probe, event: event as ProbeEventKind };
      if (seen === undefined) return { ok: true, value };
      const endpoint = decodeSeen(seen);
      if (endpoint === null) return fail('probe.seen needs an IP address (host) and a port');
      return { ok: true, value: { ...value, seen: endpoint } };
    }
    case 'heartbeat-ack':
      return isUint32(m['seq'])
        ? { ok: true, value: { type: 'heartbeat-ack', seq: m['seq'] } }
        : fail('heartbeat-ack.seq must be an integer');
    case 'error': {
      const { code, message } = m;
      if (!ERROR_CODES.includes(code as ProtocolErrorCode) || typeof message !== 'string')
        return fail('error needs code and message');
      return {
        ok: true,
        value: { type: 'error', code: code as ProtocolErrorCode, message: message.slice(0, 500) },
      };
    }
    default:
      return fail(`unknown message type ${JSON.stringify(m['type'])?.slice(0, 40) ?? 'undefined'}`);
  }
}

export interface ProbeHello {
  version: number;
  session: SessionId;
  probe: ProbeId;
  /** PROBE_MAC_BYTES of HMAC(session secret, session | probe): protocol/auth.ts probeMac(). */
  mac: Buffer;
}

const PROBE_ID_OFFSET = PROBE_MAGIC.length + 1 + SESSION_ID_BYTES;
const PROBE_MAC_OFFSET = PROBE_ID_OFFSET + 4;

export function encodeProbeHello(hello: ProbeHello): Buffer {
  const out = Buffer.alloc(PROBE_HELLO_BYTES);
  PROBE_MAGIC.copy(out, 0);
  out.writeUInt8(hello.version, PROBE_MAGIC.length);
  Buffer.from(hello.session, 'hex').copy(out, PROBE_MAGIC.length + 1);
  out.writeUInt32BE(hello.probe, PROBE_ID_OFFSET);
  hello.mac.copy(out, PROBE_MAC_OFFSET, 0, PROBE_MAC_BYTES);
  return out;
}

/**
 * What the first bytes of a connection say it is. `need-more` means the prefix is consistent with
 * a probe hello or an HTTP request but too short to decide.
 */
export type ConnectionKind = 'probe' | 'control' | 'need-more' | 'garbage';

const HTTP_GET = Buffer.from('GET ', 'ascii');

export function classifyConnection(firstBytes: Buffer): ConnectionKind {
  const isPrefixOf = (want: Buffer): boolean => {
    const n = Math.min(firstBytes.length, want.length);
    return firstBytes.subarray(0, n).equals(want.subarray(0, n));
  };
  if (isPrefixOf(PROBE_MAGIC)) return firstBytes.length >= PROBE_MAGIC.length ? 'probe' : 'need-more';
  if (isPrefixOf(HTTP_GET)) return firstBytes.length >= HTTP_GET.length ? 'control' : 'need-more';
  return 'garbage';
}

/** Decodes a probe hello from exactly PROBE_HELLO_BYTES bytes. */
export function decodeProbeHello(bytes: Buffer): Decoded<ProbeHello> {
  if (bytes.length !== PROBE_HELLO_BYTES)
    return fail(`probe hello must be ${PROBE_HELLO_BYTES} bytes, got ${bytes.length}`);
  if (!bytes.subarray(0, PROBE_MAGIC.length).equals(PROBE_MAGIC)) return fail('bad probe magic');
  const version = bytes.readUInt8(PROBE_MAGIC.length);
  if (version !== PROTOCOL_VERSION) return fail(`unsupported probe version ${version}`);
  const session = bytes
    .subarray(PROBE_MAGIC.length + 1, PROBE_MAGIC.length + 1 + SESSION_ID_BYTES)
    .toString('hex');
  const probe = bytes.readUInt32BE(PROBE_ID_OFFSET);
  const mac = Buffer.from(bytes.subarray(PROBE_MAC_OFFSET, PROBE_MAC_OFFSET + PROBE_MAC_BYTES));
  return { ok: true, value: { version, session, probe, mac } };
}
