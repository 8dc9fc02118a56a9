/**
 * The k-ary-rounds baseline (bench/strategies/kary-rounds.ts, the nat_timeout_detect method) on real
 * sockets against a real reflector: the planning is KaryRoundsSearch's, unchanged; the sockets,
 * tests and their grace are client/discovery's own ProbeSlots and ControlChannel, so the peer meets
 * the path exactly as idlescope does and only the planning differs. Inbound tests (the reflector
 * pushes), as the peer tests server to client only.
 *
 * Accuracy: that of ProbeSlots (see its header): idles on performance.now() at the client, an evicted
 * inbound test dated one smoothed control RTT after its command. The elapsed time runs from the
 * session's welcome to the last round's end, like discover's own `elapsed_s`.
 */
import { ControlChannel } from '../../client/discovery/control-channel.js';
import { ProbeSlots } from '../../client/discovery/probe-slots.js';
import { RunCostMeter } from '../../client/discovery/run-cost.js';
import { DEFAULT_GRACE_S } from '../../client/discovery/discovery-run.js';
import { defaultResolutionMs } from '../../client/search/search-config.js';
import type { DirectionResult } from '../../client/search/types.js';
import { randomProbeIds } from '../../protocol/auth.js';
import type { HostPort } from '../../protocol/address.js';
import { KaryRoundsSearch } from '../strategies/kary-rounds.js';
import { EngineStepper, type StepperEnd } from './engine-stepper.js';

export interface KaryOverSocketsOptions {
  reflector: HostPort;
  token: string | undefined;
  minS: number;
  maxS: number;
  /** Grace for a test's answer, seconds (default: discover's, 1.5 s). */
  graceS?: number;
}

export interface KaryOverSocketsResult {
  end: StepperEnd;
  /** From the welcome to the end of the last round, ms. */
  elapsedMs: number;
  result: DirectionResult;
}

/** Runs the k-ary rounds to the end (or until the reflector is lost); rejects if it cannot connect. */
export async function runKaryOverSockets(options: KaryOverSocketsOptions): Promise<KaryOverSocketsResult> {
  const control = new ControlChannel(options.reflector, { token: options.token });
  await control.connect();
  const startedMs = performance.now();
  const engine = new KaryRoundsSearch({
    direction: 'inbound',
    minMs: options.minS * 1000,
    maxMs: options.maxS * 1000,
    resolutionMs: defaultResolutionMs,
  });
  let slots: ProbeSlots | null = null;
  const stepper = new EngineStepper(
    engine,
    (owner) =>
      (slots = new ProbeSlots({
        dial: options.reflector,
        // The peer baseline keeps the fixed grace (not sized from the RTT: client/discovery/grace.ts).
        graceMs: () => (options.graceS ?? DEFAULT_GRACE_S) * 1000,
        control,
        cost: new RunCostMeter(),
        allocateProbeId: randomProbeIds(),
        owner,
      })),
    () => performance.now(),
  );
  control.on('probe', (probe, event) => slots?.reflectorEvent(probe, event));
  control.on('interrupted', () => {
    slots?.controlInterrupted();
    stepper.pause(true);
  });
  control.on('resumed', () => stepper.pause(false));
  control.once('gone', (why) => stepper.stop({ kind: 'lost', reason: why }));
  try {
    const end = await stepper.run();
    return { end, elapsedMs: performance.now() - startedMs, result: engine.result() };
  } finally {
    control.removeAllListeners();
    control.close();
  }
}
