/**
 * The capacity report as a text table for stdout: one row per measurement, its target beside it
 * where the issue sets one, and whether the run met it. Pure: a function of the report.
 */
import type { CapacityReport } from './capacity-run.js';
import type { Bracket, HonestResult } from './honest-client.js';
import type { BurstResult } from './push-burst.js';
import type { TargetCheck, TargetName } from './capacity-targets.js';

const KIB = 1024;
const MIB = 1024 * 1024;

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
const kib = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / KIB).toFixed(2)} KiB`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function bracket(b: Bracket | null): string {
  if (b === null) return '-';
  return `(${b.survivedS ?? '-'}, ${b.evictedS ?? '-'}] s`;
}

function honest(h: HonestResult): string {
  const end = h.end === 'complete' ? '' : `, ${h.end}`;
  return `${secs(h.wallMs)}; in ${bracket(h.brackets.inbound)} out ${bracket(h.brackets.outbound)}${end}`;
}

/** Why an honest run did not complete, as a line under the table; null when it did. */
function honestNote(label: string, h: HonestResult): string | null {
  return h.error === null ? null : `The honest discovery ${label} ended ${h.end}: ${h.error}`;
}

function lag(b: BurstResult): string {
  return `${b.lag.p50Ms} / ${b.lag.p99Ms} / ${b.lag.maxMs} ms`;
}

function burstDetail(b: BurstResult): string {
  return (
    `${b.pushes} sent in ${b.sentWithinMs} ms, ${b.acknowledged} acked in ${b.acknowledgedWithinMs} ms; ` +
    `${b.lag.samples} lag samples; reflector answered in ${b.replyMs} ms`
  );
}

function floodNote({ flood }: CapacityReport): string {
  const f = flood.report;
  if (f === null) return 'The flood: no report from the abusive client.';
  return (
    `The flood: ${mib(f.bytesSent)} of PING bytes in ${secs(f.floodMs)} on ${flood.probes} probes ` +
    `(asked ${flood.plan.rateBytesPerS / KIB} KiB/s, capped at ${mib(flood.plan.capBytes)} and ` +
    `${secs(flood.plan.capMs)}; stopped by ${f.stoppedBy}); the abuser read ${f.echoesRead} echoes and ` +
    `${f.events} events; the reflector closed ${f.probesLost} of its probes and ended ` +
    `${f.sessionsLost} of its sessions (each replaced at once).` +
    (flood.activeThroughout
      ? ''
      : ' A cap ended it before the bench asked: the last phase beside it may have run partly without it.')
  );
}

export function renderCapacityTable(report: CapacityReport): string {
  const target = (name: TargetName): TargetCheck =>
    report.targets.find((t) => t.name === name) as TargetCheck;
  const verdict = (t: TargetCheck): string =>
    `${t.pass ? 'pass' : 'MISS'}${t.projected ? ' (projected)' : ''}`;
  const { idle, flood } = report;
  const rssTarget = target('idle-rss');
  const rows: [string, string, string, string][] = [
    ['idle probe connections held', `${idle.held} of ${idle.asked}`, '', ''],
    [
      'reflector RSS with them held',
      mib(idle.after.rss),
      rssTarget.target,
      rssTarget.projected && rssTarget.value !== null
        ? `${verdict(rssTarget)}: ${mib(rssTarget.value)} at 15000`
        : verdict(rssTarget),
    ],
    ['RSS per idle connection (after GC)', kib(idle.rssPerConnBytes), '', ''],
    ['heap per idle connection (after GC)', kib(idle.heapPerConnBytes), '', ''],
    ['setup (open and attach all)', secs(idle.setupMs), '', ''],
    [
      'push burst: lag p50 / p99 / max',
      lag(report.burst),
      target('burst-lag').target,
      verdict(target('burst-lag')),
    ],
    ['  pushes', burstDetail(report.burst), '', ''],
    [
      'beside the flood (lag from its start)',
      lag(report.burstBesideFlood),
      target('burst-lag-beside-flood').target,
      verdict(target('burst-lag-beside-flood')),
    ],
    ['  pushes', burstDetail(report.burstBesideFlood), '', ''],
    ['honest discovery alone (T = 3 s)', honest(report.honest.alone), '', ''],
    [
      'honest discovery beside the flood',
      honest(report.honest.besideFlood),
      target('honest-beside-flood').target,
      `${verdict(target('honest-beside-flood'))} (x${target('honest-beside-flood').value ?? '-'})`,
    ],
  ];
  rows.push(['reflector RSS after the flood (after GC)', mib(flood.reflectorRssAfterBytes), '', '']);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]): string =>
    r
      .map((cell, c) => (c < 3 ? cell.padEnd(widths[c] as number) : cell))
      .join('  ')
      .trimEnd();
  const limit = report.fileLimit;
  return [
    `Reflector capacity on loopback${report.quick ? ' (quick)' : ''}: ${idle.asked} probes asked from ` +
      `${report.sourceAddresses.join(', ')}; reflector open-file limit ` +
      `${limit.soft ?? '?'} soft / ${limit.hard ?? '?'} hard; ${report.node}`,
    '',
    line(['measurement', 'measured', 'target', 'verdict']),
    ...rows.map(line),
    '',
    floodNote(report),
    ...[
      honestNote('alone', report.honest.alone),
      honestNote('beside the flood', report.honest.besideFlood),
    ].filter((line): line is string => line !== null),
    '',
  ].join('\n');
}
