/**
 * A reflector on 127.0.0.1 with connection limits, its JSON log captured (reflector-log.ts) and
 * its counters readable: what every limit test asserts (the named reason, the counter, the log
 * line). Also a hand-made WebSocket frame, for peers that must not behave like a ws client.
 */
import { PassThrough } from 'node:stream';
import type { HostPort } from '../../protocol/address.js';
import type { GivenLimits } from '../../reflector/connection-limits.js';
import type { Reflector, ReflectorOptions, RefusalInfo, SessionEndInfo } from '../../reflector/reflector.js';
import { ReflectorLog } from '../../reflector/reflector-log.js';
import { startReflector } from './helpers.js';
import { sample } from './raw-http.js';

export interface LimitedReflector {
  reflector: Reflector;
  address: HostPort;
  refusals: RefusalInfo[];
  ends: SessionEndInfo[];
  /** Every JSON log line so far. */
  lines(): Record<string, unknown>[];
  /** idlescope_refusals_total{reason}. */
  refusalCount(reason: string): Promise<number>;
  sessionEndCount(reason: string): Promise<number>;
}

export async function startLimited(
  defer: (step: () => unknown) => void,
  limits: GivenLimits,
  options: ReflectorOptions = {},
): Promise<LimitedReflector> {
  const { reflector, address } = await startReflector(defer, { ...options, connectionLimits: limits });
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const log = new ReflectorLog(reflector, stream);
  defer(() => log.stop());
  const refusals: RefusalInfo[] = [];
  const ends: SessionEndInfo[] = [];
  reflector.on('refused', (info) => refusals.push(info));
  reflector.on('session-end', (info) => ends.push(info));
  const metric = async (series: string): Promise<number> =>
    sample((await reflector.metrics.render()).body, series);
  return {
    reflector,
    address,
    refusals,
    ends,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    refusalCount: (reason) => metric(`idlescope_refusals_total{reason="${reason}"}`),
    sessionEndCount: (reason) => metric(`idlescope_sessions_ended_total{reason="${reason}"}`),
  };
}

/** One masked client frame (RFC 6455 §5.2), FIN set: opcode 1 text, 2 binary. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.of(0x12, 0x34, 0x56, 0x78);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.of(0x80 | opcode, 0x80 | length)
      : length < 65_536
        ? Buffer.of(0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff)
        : (() => {
            const h = Buffer.alloc(10);
            h[0] = 0x80 | opcode;
            h[1] = 0x80 | 127;
            h.writeBigUInt64BE(BigInt(length), 2);
            return h;
          })();
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}
