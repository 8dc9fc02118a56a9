/**
 * The run of `idlescope demo` (its flags and plan: demo-command.ts): an in-process reflector, the
 * middlebox emulator on its own thread in front of it, and a discovery run through the emulator,
 * all on 127.0.0.1 and all stopped when it ends.
 */
import { MAX_PROBES_PER_SESSION } from '../../protocol/wire.js';
import { Reflector } from '../../reflector/reflector.js';
import { EmulatorThread } from '../demo/emulator-thread.js';
import { selfSignedIdentity } from '../../reflector/self-signed.js';
import { createTransport } from '../transport/transports.js';
import { tcpTransport } from '../transport/tcp-transport.js';
import { discoverAndReport } from './discover-and-report.js';
import type { CliIo } from './cli-io.js';
import type { DiscoveryReport } from '../report/report.js';
import { demoVerdict } from '../report/demo-verdict.js';
import { demoPlan, type DemoArgs } from './demo-command.js';

/** Runs discovery through a local emulated middlebox; everything it starts, it stops. */
export async function runDemo(args: DemoArgs, io: CliIo): Promise<DiscoveryReport> {
  const { timeoutS, mode, options: searched, warning } = demoPlan(args);
  if (warning !== null) io.stderr.write(`idlescope demo: ${warning}\n`);
  // With TLS its in-process reflector has a certificate of its own, which the client pins (unless
  // told another --pin, which then fails as a wrong pin does).
  const transport = searched.transport ?? tcpTransport;
  const identity = transport.tls === null ? undefined : await selfSignedIdentity();
  const options =
    identity === undefined || args.pin !== undefined
      ? searched
      : { ...searched, transport: createTransport(transport.name, { pin: identity.fingerprint }) };
  // Its in-process reflector takes the token the client was given (none: the empty token).
  // It serves this one run from this machine: the admission limits of a public reflector would
  // only refuse a large --connections here, so its per-session and per-address caps are lifted.
  const reflector = new Reflector({
    token: options.token,
    tls: identity,
    maxProbesPerSession: MAX_PROBES_PER_SESSION,
    maxConnectionsPerAddress: 2 * MAX_PROBES_PER_SESSION,
  });
  // The run stops on Ctrl-C, and also when the emulator's thread dies: its sockets then close, and
  // what the client saw next would be the emulator's death, not a middlebox's eviction. That abort
  // carries the emulator's error, which the run then ends with (see discoverAndReport).
  const stop = new AbortController();
  const ioOnAbort = (): void => stop.abort();
  io.signal.addEventListener('abort', ioOnAbort, { once: true });
  if (io.signal.aborted) stop.abort();
  let emulator: EmulatorThread | null = null;
  try {
    const reflectorAddress = await reflector.listen('127.0.0.1', 0);
    emulator = new EmulatorThread({
      target: reflectorAddress,
      timeoutMs: timeoutS * 1000,
      mode,
    });
    emulator.once('failed', (error) => stop.abort(error));
    const front = await emulator.listen();
    if (!args.quiet) {
      io.stderr.write(
        `idlescope demo: reflector on ${reflectorAddress.host}:${reflectorAddress.port}, behind an ` +
          `emulated middlebox (${mode}, idle timeout ${timeoutS} s, on its own thread) on ` +
          `${front.host}:${front.port}\n`,
      );
      if (options.verification !== undefined) {
        io.stderr.write(
          'idlescope demo: the emulator relays bytes in userspace and never sees a kernel keepalive, ' +
            'so only the heartbeat is verified through it (the lab verifies TCP keepalive on a real NAT)\n',
        );
      }
    }
    const setting = { emulatedTimeoutMs: timeoutS * 1000, mode, maxMs: options.maxS * 1000 };
    return await discoverAndReport(
      { ...options, reflector: front, dial: front },
      args,
      { ...io, signal: stop.signal },
      { annotate: (report) => ({ ...report, demo: demoVerdict(report.directions, setting) }) },
    );
  } finally {
    io.signal.removeEventListener('abort', ioOnAbort);
    await emulator?.close();
    await reflector.close();
  }
}
