/**
 * The recommendation in the human report: its headline, the values, and the ready-to-paste
 * settings, generated from the same plan the verification tried (client/keepalive snippets). Pure.
 *
 * Never harmful: where no timeout was found, there is no keepalive to paste for the path, only a
 * per-socket one for noticing dead peers, and never a system-wide sysctl.
 */
import { heartbeatSnippets } from '../keepalive/heartbeat-snippets.js';
import { keepaliveSnippets, type Snippet } from '../keepalive/keepalive-snippets.js';
import type { KeepalivePlan } from '../keepalive/keepalive-plan.js';
import type { Recommendation } from './recommendation.js';

function formatBasis(seconds: number | null): string {
  // Short and exact enough: "4 s", "349.5 s", "7200 s" (never a float's full expansion).
  return seconds === null ? 'nothing' : `${Number(seconds.toFixed(seconds < 10 ? 2 : 1))} s`;
}

const BASIS_LABEL: Record<Recommendation['basis'], (rec: Recommendation) => string> = {
  timeout: (rec) =>
    (
      `planned from ${formatBasis(rec.basedOnS)}, ` +
      `the longest idle that survived ${rec.limitingDirection ?? ''}`
    ).trimEnd(),
  'no-eviction-up-to-max': (rec) => `no eviction seen up to ${formatBasis(rec.basedOnS)}: nothing to beat`,
  'nothing-survived': () => 'nothing survived: the smallest possible values',
  interrupted: () => 'interrupted before any eviction: nothing to beat yet',
  'no-data': () => 'nothing measured',
};

/** The keepalive the path needs, with its user timeout, or null where it needs none. */
export function recommendedKeepalive(rec: Recommendation): Required<KeepalivePlan> | null {
  if (rec.keepaliveIdleS === null || rec.keepaliveIntervalS === null || rec.keepaliveCount === null)
    return null;
  return rec.deadPeer.plan;
}

/** "Recommendation (...):" and the values, one per line. */
export function recommendationLines(rec: Recommendation): string[] {
  const lines = [`Recommendation (${BASIS_LABEL[rec.basis](rec)}):`];
  const keepalive = recommendedKeepalive(rec);
  if (keepalive === null) {
    const dp = rec.deadPeer.plan;
    lines.push('  No keepalive is needed to keep this path open.');
    lines.push(
      `  To notice dead peers: per-socket keepalive idle ${dp.idleS} s, interval ${dp.intervalS} s, ` +
        `${dp.count} probes, TCP_USER_TIMEOUT ${dp.userTimeoutMs} ms`,
    );
    return lines;
  }
  if (rec.tcpKeepaliveHelps) {
    lines.push(
      `  TCP keepalive: idle ${keepalive.idleS} s, interval ${keepalive.intervalS} s, ${keepalive.count} ` +
        `probes, TCP_USER_TIMEOUT ${keepalive.userTimeoutMs} ms`,
    );
    lines.push(`  or an application heartbeat every ${rec.heartbeatS} s`);
  } else {
    lines.push(`  Application heartbeat every ${rec.heartbeatS} s (TCP keepalive does not help here)`);
  }
  return lines;
}

/** The snippets to paste, as "title:" then the code indented, for the plan that applies. */
export function settingsLines(rec: Recommendation): string[] {
  const keepalive = recommendedKeepalive(rec);
  const snippets: Snippet[] = [];
  if (keepalive === null) {
    // Only for dead peers: per socket, never system-wide.
    snippets.push(...keepaliveSnippets(rec.deadPeer.plan).filter((s) => s.target !== 'linux-sysctl'));
  } else if (rec.tcpKeepaliveHelps) {
    snippets.push(...keepaliveSnippets(keepalive));
  }
  if (rec.heartbeatS !== null && (!rec.tcpKeepaliveHelps || keepalive === null)) {
    snippets.push(...heartbeatSnippets({ heartbeatS: rec.heartbeatS }));
  }
  const lines: string[] = [];
  for (const snippet of snippets) {
    if (lines.length > 0) lines.push('');
    lines.push(`${SNIPPET_TITLE[snippet.target] ?? snippet.target}:`);
    for (const line of snippet.text.split('\n')) lines.push(`  ${line}`);
  }
  return lines;
}

const SNIPPET_TITLE: Record<string, string> = {
  'linux-sysctl': 'Linux, system-wide',
  'c-setsockopt': 'C, per socket',
  node: 'Node.js',
  python: 'Python',
  java: 'Java',
  go: 'Go',
  dotnet: '.NET',
  nginx: 'nginx',
  haproxy: 'HAProxy',
  grpc: 'gRPC keepalive',
  'websocket-ping': 'WebSocket ping (ws)',
  mqtt: 'MQTT keep alive',
};
