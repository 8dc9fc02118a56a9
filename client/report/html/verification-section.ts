/**
 * The recommendation and its verification on the path, as HTML: the values, why, and whether the
 * connections held with the setting survived where the unrefreshed controls died.
 */
import type { JsonReport } from '../report.js';
import type { JsonSetting, JsonSettingVerification } from '../verification-report.js';
import { escapeHtml, seconds } from './html-text.js';

function settingText(setting: JsonSetting): string {
  if (setting.kind === 'heartbeat') return `application heartbeat every ${seconds(setting.period_s)}`;
  return (
    `TCP keepalive idle ${seconds(setting.idle_s)}, interval ${seconds(setting.interval_s)}, ` +
    `count ${setting.count}`
  );
}

function verdict(v: string): string {
  return `<span class="verdict-${escapeHtml(v)}">${escapeHtml(v)}</span>`;
}

/** A table row: `head` is plain text, `cell` markup already safe. */
function row(head: string, cell: string): string {
  return `<tr><th>${escapeHtml(head)}</th><td>${cell}</td></tr>`;
}

function settingRows(name: string, v: JsonSettingVerification | null): string {
  if (v === null) return '';
  const directions = Object.entries(v.directions)
    .map(([direction, d]) => {
      const why = d.why === null ? '' : ` (${escapeHtml(d.why)})`;
      const test =
        d.test === null
          ? ''
          : `, held ${seconds(d.test.held_s)}, idle at test ${seconds(d.test.idle_at_test_s)}: ` +
            d.test.outcome;
      return `<li>${direction}: ${verdict(d.verdict)}${why}${escapeHtml(test)}</li>`;
    })
    .join('');
  return row(name, `${escapeHtml(settingText(v.setting))}: ${verdict(v.verdict)}<ul>${directions}</ul>`);
}

export function recommendationSection(report: JsonReport): string {
  const rec = report.recommendation;
  const rows: string[] = [];
  if (rec.keepalive_idle_s !== null) {
    const helps = rec.tcp_keepalive_helps ? '' : ' (does not help on this path)';
    const values =
      `idle ${seconds(rec.keepalive_idle_s)}, interval ${seconds(rec.keepalive_interval_s)}, ` +
      `count ${rec.keepalive_count ?? '–'}${helps}`;
    rows.push(row('TCP keepalive', escapeHtml(values)));
  }
  if (rec.heartbeat_s !== null) rows.push(row('Application heartbeat', `every ${seconds(rec.heartbeat_s)}`));
  if (rows.length === 0) rows.push(row('Keepalive', 'none needed to keep this path open'));
  const dp = rec.dead_peer;
  const deadPeer =
    `keepalive idle ${seconds(dp.keepalive_idle_s)}, interval ${seconds(dp.keepalive_interval_s)}, ` +
    `count ${dp.keepalive_count}, TCP_USER_TIMEOUT ${dp.user_timeout_ms} ms: noticed after ` +
    `${seconds(dp.detected_idle_s)} idle (system defaults: ${seconds(dp.system_default_idle_s)})`;
  rows.push(row('To notice dead peers', escapeHtml(deadPeer)));
  const reasons = rec.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
  const why = `<p><strong>Why</strong></p><ul>${reasons}</ul>`;
  return `<div class="card"><table>${rows.join('')}</table>${why}</div>`;
}

export function verificationSection(report: JsonReport): string {
  const v = report.verification;
  if (v === null) return '<p class="empty">Not verified on this path (--no-verify, or nothing to prove).</p>';
  const rows = [settingRows('Keepalive', v.keepalive), settingRows('Heartbeat', v.heartbeat)];
  if (v.keepalive_skipped !== null)
    rows.push(row('Keepalive not tried', escapeHtml(v.keepalive_skipped.why)));
  const controls = Object.entries(v.controls)
    .map(([direction, t]) => `${direction}: ${t.outcome} after ${seconds(t.held_s)}`)
    .join('; ');
  rows.push(
    row('Controls (no refresh)', escapeHtml(controls || 'none')),
    row('Connections used', String(v.connections_opened)),
  );
  return `<div class="card"><table>${rows.join('')}</table></div>`;
}
