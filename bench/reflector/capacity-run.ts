/**
 * The reflector capacity bench, end to end: the reflector in a child process, N idle probes held
 * against it from this process, a push burst, then an abusive client (a second child) flooding
 * PING bytes while the burst and an honest discovery run again beside it.
 *
 *   reflector child ◄── N idle probes (127.0.0.2, .3, ...) + their control channels   (this process)
 *        ▲      ▲────── honest discovery through the emulator's thread, T = 3 s       (this process)
 *        └───────────── abuser child: 1 session, 4 probes flooding PING (127.0.0.254)
 *
 * Phases, in order: memory before -> open N -> memory after (both after GC, in the reflector's
 * process) -> burst -> honest alone -> lag histogram starts -> flood starts -> honest beside ->
 * burst -> histogram stops -> flood stops. So the lag "beside the flood" covers the whole flood
 * up to the burst's end, the honest run included.
 * Every phase is bounded (setup by its deadline, replies by REPLY_LIMIT_MS, the honest run by its
 * limit, the flood by bytes and time); run() kills both children on every path, and bench-child.ts
 * kills them on process exit as well.
 */
import type { MemorySample } from '../loopback-measure.js';
import { BenchChild, REPLY_LIMIT_MS } from './bench-child.js';
import type { AbuserChildIn, AbuserChildOut, FloodReport } from './abuser-child.js';
import { honestDiscovery, type HonestResult } from './honest-client.js';
import { IdleFleet } from './idle-fleet.js';
import { pushBurst, startLag, type BurstResult } from './push-burst.js';
import { sourceAddresses } from './raw-probe.js';
import type { FileLimit, ReflectorChildIn, ReflectorChildOut } from './reflector-child.js';
import { checkTargets, type TargetCheck } from './capacity-targets.js';

export const DEFAULT_CONNECTIONS = 15_000;
export const QUICK_CONNECTIONS = 300;

/** How hard and how long the abusive client floods. */
export interface FloodPlan {
  rateBytesPerS: number;
  capBytes: number;
  capMs: number;
}

const MIB = 1024 * 1024;
/**
 * The reading attacker: 256 KB/s, beside ping-pong probes (abuser-child.ts). Capped so that
 * the bench always ends: a reflector without the per-probe and per-session limits answered each
 * PING with an echo and a JSON event, fell behind, and worked through what the kernel already
 * queued long after the attacker stopped writing (16 MiB kept it busy past 2 min here), so the cap
 * is in bytes as well as time, and the attacker resets its probes when told to stop, which drops
 * what the kernel still holds for it.
 */
const FULL_FLOOD: FloodPlan = { rateBytesPerS: 256 * 1024, capBytes: 12 * MIB, capMs: 60_000 };
// Small enough that the test running it beside the other suites (2 cores) does not starve their timing.
const QUICK_FLOOD: FloodPlan = { rateBytesPerS: 16 * 1024, capBytes: MIB / 4, capMs: 15_000 };
const FULL_HONEST_LIMIT_MS = 60_000;
const QUICK_HONEST_LIMIT_MS = 30_000;
/** Opening N probes may take this long: a base plus a few ms each (15,000 took about 10 s here). */
const setupLimitMs = (n: number): number => 30_000 + 5 * n;

export interface CapacityOptions {
  connections: number;
  quick: boolean;
}

export interface IdleMeasurement {
  asked: number;
  /** Probes the reflector attached, as it counts them after setup. */
  held: number;
  setupMs: number;
  /** The reflector's memory after GC, before the probes and with them all held. */
  before: MemorySample;
  after: MemorySample;
  /** (after - before) / held, bytes; null when nothing was held. */
  rssPerConnBytes: number | null;
  heapPerConnBytes: number | null;
  /** Warnings the reflector emitted (for example EMFILE on accept). */
  reflectorWarnings: number;
}

export interface CapacityReport {
  bench: 'reflector-capacity';
  quick: boolean;
  node: string;
  sourceAddresses: string[];
  /** The reflector process's open-file limit; nothing here raises it. */
  fileLimit: FileLimit;
  idle: IdleMeasurement;
  burst: BurstResult;
  flood: {
    plan: FloodPlan;
    probes: number;
    report: FloodReport | null;
    /** False when a cap ended the flood before both phases beside it did: they were not all beside it. */
    activeThroughout: boolean;
    reflectorRssAfterBytes: number;
  };
  /** Its lag covers the flood from its start to the burst's end (the honest run beside included). */
  burstBesideFlood: BurstResult;
  honest: { alone: HonestResult; besideFlood: HonestResult };
  targets: TargetCheck[];
}

type ReflectorChild = BenchChild<ReflectorChildIn, ReflectorChildOut>;

async function sample(reflector: ReflectorChild): Promise<Extract<ReflectorChildOut, { type: 'sample' }>> {
  reflector.send({ type: 'sample' });
  return reflector.expect('sample', REPLY_LIMIT_MS);
}

/** Runs one phase; a failure names the phase. Progress goes to `log` (stderr), never stdout. */
async function phase<T>(log: (line: string) => void, name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  log(`${name}...`);
  try {
    const result = await run();
    log(`${name}: ${Math.round(performance.now() - started)} ms`);
    return result;
  } catch (error) {
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export async function runCapacity(
  options: CapacityOptions,
  log: (line: string) => void = () => {},
): Promise<CapacityReport> {
  const n = options.connections;
  const flood = options.quick ? QUICK_FLOOD : FULL_FLOOD;
  const honestLimitMs = options.quick ? QUICK_HONEST_LIMIT_MS : FULL_HONEST_LIMIT_MS;
  const reflector: ReflectorChild = BenchChild.start('./reflector-child.ts', []);
  let abuser: BenchChild<AbuserChildIn, AbuserChildOut> | null = null;
  let fleet: IdleFleet | null = null;
  try {
    const { port, fileLimit } = await phase(log, 'reflector start', () =>
      reflector.expect('listening', REPLY_LIMIT_MS),
    );
    const before = await phase(log, 'memory before', () => sample(reflector));
    const started = performance.now();
    const opened = await phase(log, `open ${n} idle probes`, () =>
      IdleFleet.open(port, n, started + setupLimitMs(n)),
    );
    fleet = opened;
    const setupMs = Math.round(performance.now() - started);
    const after = await phase(log, 'memory after', () => sample(reflector));
    const held = after.stats.probes;
    const per = (key: 'rss' | 'heapUsed'): number | null =>
      held === 0 ? null : Math.round((after.memory[key] - before.memory[key]) / held);
    const idle: IdleMeasurement = {
      asked: n,
      held,
      setupMs,
      before: before.memory,
      after: after.memory,
      rssPerConnBytes: per('rss'),
      heapPerConnBytes: per('heapUsed'),
      reflectorWarnings: after.warnings,
    };
    if (opened.size === 0) throw new Error(`no probe attached (reflector warnings: ${after.warnings})`);

    const burst = await phase(log, 'push burst', () => pushBurst(opened, reflector));
    const alone = await phase(log, 'honest discovery alone', () => honestDiscovery(port, honestLimitMs));

    const flooder = BenchChild.start<AbuserChildIn, AbuserChildOut>('./abuser-child.ts', [
      String(port),
      String(flood.rateBytesPerS),
      String(flood.capBytes),
      String(flood.capMs),
    ]);
    abuser = flooder;
    const ready = await phase(log, 'abusive client start', () => flooder.expect('ready', REPLY_LIMIT_MS));
    // Before the flood: once it runs, the reflector's process may not hear this for tens of seconds.
    await phase(log, 'lag histogram start', () => startLag(reflector));
    flooder.send({ type: 'flood' });
    // The honest run first: it starts with the flood, so the flood surely covers it.
    const besideFlood = await phase(log, 'honest discovery beside the flood', () =>
      honestDiscovery(port, honestLimitMs),
    );
    const burstBesideFlood = await phase(log, 'push burst beside the flood', () =>
      pushBurst(opened, reflector, burst.pushes, true),
    );
    flooder.send({ type: 'stop' });
    const floodReport = await flooder.expect('flood-done', REPLY_LIMIT_MS).then(
      (m) => m.report,
      () => null,
    );
    await flooder.kill();
    const afterFlood = await phase(log, 'memory after the flood', () => sample(reflector));

    const report: Omit<CapacityReport, 'targets'> = {
      bench: 'reflector-capacity',
      quick: options.quick,
      node: process.version,
      sourceAddresses: sourceAddresses(n),
      fileLimit,
      idle,
      burst,
      flood: {
        plan: flood,
        probes: ready.probes,
        report: floodReport,
        activeThroughout: floodReport?.stoppedBy === 'parent',
        reflectorRssAfterBytes: afterFlood.memory.rss,
      },
      burstBesideFlood,
      honest: { alone, besideFlood },
    };
    return { ...report, targets: checkTargets(report) };
  } finally {
    fleet?.close();
    await abuser?.kill();
    reflector.send({ type: 'close' });
    await reflector.expect('closed', 5000).catch(() => undefined);
    await reflector.kill();
  }
}
