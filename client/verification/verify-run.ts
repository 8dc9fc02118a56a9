/**
 * `idlescope verify`'s run: the control channel to the reflector, then either the fixed-setting
 * hold (setting-run.ts) or the dead-peer measurement (dead-peer-run.ts) over it. Rejects with an
 * IdlescopeError when the channel cannot be opened; a reflector lost during a hold ends the run
 * with a ReflectorLostError. During --dead-peer the channel is expected to die with the path, so
 * its loss ends nothing: the measured socket decides.
 *
 * The first SIGINT (the signal) stops everything and resolves as interrupted, with no verdict.
 */
import { formatHostPort, type HostPort } from '../../protocol/address.js';
import { ReflectorLostError, type IdlescopeError } from '../../protocol/errors.js';
import type { ProbeId } from '../../protocol/wire.js';
import { randomProbeIds, type SessionCredentials } from '../../protocol/auth.js';
import { ControlChannel } from '../discovery/control-channel.js';
import type { KeepalivePlan } from '../keepalive/keepalive-plan.js';
import type { Direction } from '../search/types.js';
import { DeadPeerRun, type DeadPeerResult } from './dead-peer-run.js';
import { planFixedSetting } from './fixed-setting.js';
import { heldKeepaliveApplier } from './held-keepalive.js';
import { SettingRun, type SettingRunResult } from './setting-run.js';
import type { RefreshSetting } from './verdict.js';
import type { RawDialer } from '../transport/raw-dialer.js';
import { probeLink, type ProbeTransport } from '../transport/probe-transport.js';

export type VerifyRunOptions = (
  | {
      mode: 'hold';
      reflector: HostPort;
      setting: RefreshSetting;
      userTimeoutMs?: number;
      holdMs: number;
      timeoutMs: number;
      connections: number;
      directions: readonly Direction[];
      graceMs: number;
    }
  | { mode: 'dead-peer'; reflector: HostPort; plan: KeepalivePlan; waitMs: number }
) & {
  /** The reflector's token ('' or absent: the empty token). */
  token?: string | undefined;
  /** How every connection reaches the reflector (default: directly). */
  dialer?: RawDialer | undefined;
  /** What the held connections run over; the control channel is wss when it has TLS (default: tcp). */
  transport?: ProbeTransport | undefined;
};

export type VerifyRunResult =
  { mode: 'hold'; result: SettingRunResult } | { mode: 'dead-peer'; result: DeadPeerResult };

export interface VerifyOutcome {
  /** Null when interrupted or lost before the verdict. */
  result: VerifyRunResult | null;
  end: 'complete' | 'interrupted' | 'reflector-lost';
  error: IdlescopeError | null;
  elapsedMs: number;
}

export interface VerifyHooks {
  signal?: AbortSignal;
  /** --dead-peer: the first push arrived; the path may start dropping from now. */
  onIdleReady?: () => void;
}

export async function runVerify(options: VerifyRunOptions, hooks: VerifyHooks = {}): Promise<VerifyOutcome> {
  const startedMs = performance.now();
  // During --dead-peer the channel dies with the path: no resume attempts to outlive the run.
  const link = probeLink(options.dialer, options.transport);
  const channel = { token: options.token, dialer: link.dialer, tls: link.transport.tls };
  const control = new ControlChannel(
    options.reflector,
    options.mode === 'dead-peer' ? { resumeWindowMs: 0, ...channel } : channel,
  );
  await control.connect();
  const allocate = randomProbeIds();
  const session = control.credentials as SessionCredentials;
  const now = (): number => performance.now();
  const push = (probe: ProbeId): void => control.push(probe);

  let stop: () => void;
  let done: Promise<VerifyRunResult>;
  let onProbe: (probe: ProbeId, event: Parameters<SettingRun['onReflectorEvent']>[1]) => void;
  if (options.mode === 'hold') {
    const run = new SettingRun({
      dial: options.reflector,
      link,
      session,
      plan: planFixedSetting(options.setting, options.connections, options.directions, options.holdMs),
      timeoutMs: options.timeoutMs,
      graceMs: options.graceMs,
      now,
      rttMs: () => control.rttMs,
      push,
      allocateProbeId: allocate,
      applyKeepalive: heldKeepaliveApplier(options.userTimeoutMs),
    });
    stop = () => run.stop();
    onProbe = (probe, event) => void run.onReflectorEvent(probe, event);
    done = run.run().then((result) => ({ mode: 'hold', result }));
  } else {
    const applier = heldKeepaliveApplier(options.plan.userTimeoutMs);
    const run = new DeadPeerRun({
      dial: options.reflector,
      link,
      session,
      probe: allocate(),
      plan: options.plan,
      waitMs: options.waitMs,
      now,
      push,
      applyKeepalive: (socket, plan) => applier(socket, { kind: 'keepalive', ...plan }),
      ...(hooks.onIdleReady === undefined ? {} : { onIdleReady: hooks.onIdleReady }),
    });
    stop = () => run.stop();
    onProbe = (probe, event) => void run.onReflectorEvent(probe, event);
    done = run.done.then((result) => ({ mode: 'dead-peer', result }));
  }
  control.on('probe', onProbe);

  const ended = new Promise<Omit<VerifyOutcome, 'elapsedMs'>>((resolve) => {
    done.then((result) => resolve({ result, end: 'complete', error: null }));
    const signalOnAbort = (): void => resolve({ result: null, end: 'interrupted', error: null });
    if (hooks.signal?.aborted === true) signalOnAbort();
    hooks.signal?.addEventListener('abort', signalOnAbort, { once: true });
    if (options.mode === 'hold') {
      control.once('gone', (why) =>
        resolve({
          result: null,
          end: 'reflector-lost',
          error: new ReflectorLostError(formatHostPort(options.reflector), why),
        }),
      );
    }
  });
  try {
    const outcome = await ended;
    return { ...outcome, elapsedMs: performance.now() - startedMs };
  } finally {
    stop();
    control.close();
  }
}
