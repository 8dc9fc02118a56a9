/**
 * What the admission suites need beyond helpers.ts: control channels and probes from a chosen
 * loopback source address (127.0.0.x, `localAddress`), so that per-address caps can be tested
 * against other addresses, and the three records of a refusal (the `refused` event, the counter
 * on /metrics, the JSON log line). Every wait is bounded; teardown is registered at once.
 */
import { PassThrough } from 'node:stream';
import { sessionSecret, type SessionCredentials } from '../../protocol/auth.js';
import type { HostPort } from '../../protocol/address.js';
import { CONTROL_PATH, type ProbeId } from '../../protocol/wire.js';
import type { Reflector, RefusalInfo } from '../../reflector/reflector.js';
import { ReflectorLog } from '../../reflector/reflector-log.js';
import { sample } from './raw-http.js';
import {
  TestControl,
  TestProbe,
  newHello,
  openControl,
  openRaw,
  probeHello,
  waitFor,
  type WelcomeMessage,
  type useTeardown,
} from './helpers.js';

type Defer = ReturnType<typeof useTeardown>;

/** Sends a hello from `from`: resolves with the session, or with the refusal it got instead. */
export async function helloFrom(
  defer: Defer,
  address: HostPort,
  from: string,
): Promise<
  | { ok: true; control: TestControl; session: SessionCredentials; welcome: WelcomeMessage }
  | { ok: false; control: TestControl; code: string; message: string; closeCode: number }
> {
  const control = await openControl(defer, address, CONTROL_PATH, from);
  const hello = newHello();
  control.send(hello);
  await waitFor(`an answer to the hello from ${from}`, () => control.messages.length > 0);
  if (control.messages[0]!.type === 'welcome') {
    const welcome = await control.next('welcome');
    const secret = sessionSecret('', hello.auth!.nonce, welcome.nonce, welcome.session);
    return { ok: true, control, session: { session: welcome.session, secret }, welcome };
  }
  const error = await control.next('error');
  return { ok: false, control, code: error.code, message: error.message, closeCode: await control.closed() };
}

/** A session from `from`, which must be admitted. */
export async function sessionFrom(defer: Defer, address: HostPort, from: string) {
  const result = await helloFrom(defer, address, from);
  if (!result.ok) throw new Error(`session from ${from} refused: ${result.code}: ${result.message}`);
  return result;
}

/** Opens probe `probe` of `session` from `from` and sends its hello; does not wait for attached. */
export function rawProbeFrom(
  defer: Defer,
  address: HostPort,
  from: string,
  hello?: Buffer,
): Promise<TestProbe> {
  return openRaw(defer, address, hello, from);
}

/** Opens a probe from `from` and waits for the reflector's 'attached' report. */
export async function probeFrom(
  defer: Defer,
  address: HostPort,
  from: string,
  control: TestControl,
  session: SessionCredentials,
  probe: ProbeId,
): Promise<TestProbe> {
  const raw = await rawProbeFrom(defer, address, from, probeHello(session, probe));
  await control.nextProbeEvent(probe, 'attached');
  return raw;
}

/** Every refusal the reflector reports, the counters on /metrics, and its JSON log lines. */
export function recordRefusals(defer: Defer, reflector: Reflector) {
  const refusals: RefusalInfo[] = [];
  reflector.on('refused', (info) => refusals.push(info));
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const log = new ReflectorLog(reflector, stream, { summaryIntervalMs: 3_600_000 });
  defer(() => log.stop());
  return {
    refusals,
    /** The refusals_total counter for `reason`, as /metrics serves it. */
    counted: async (reason: string): Promise<number> =>
      sample((await reflector.metrics.render()).body, `idlescope_refusals_total{reason="${reason}"}`),
    logLines: (): Record<string, unknown>[] =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A heartbeat answered: the channel and its session still work. */
export async function stillServed(control: TestControl, seq: number): Promise<number> {
  control.send({ type: 'heartbeat', seq });
  return (await control.next('heartbeat-ack', (m) => m.seq === seq)).seq;
}
