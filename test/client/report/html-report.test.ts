import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../client/report/html/html-report.js';
import { answerLine } from '../../../client/report/answer-line.js';
import { ticks, linearAxis } from '../../../client/report/html/axis.js';
import { parseReport } from '../../../client/report/report-file.js';
import { savedRun } from '../history/fixtures.js';

describe('the HTML report, as markup', () => {
  it('is self-contained: no script, no link, no source, no address to fetch', () => {
    const page = renderHtml(
      savedRun({ startedAt: '2026-12-01T18:00:00.000Z', network: '198.51.100.7', timeoutS: 350 }),
    );
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    for (const fetching of [
      '<script',
      '<link',
      '<img',
      'src=',
      'href=',
      'url(',
      '@import',
      'http://',
      'https://',
    ])
      expect(page, fetching).not.toContain(fetching);
  });

  it('escapes everything the report carries', () => {
    const run = savedRun({
      startedAt: null,
      network: null,
      timeoutS: null,
      reflector: '<script>x</script>:7000',
    });
    run.directions.inbound!.notes = ['a "note" & <b>bold</b>'];
    const page = renderHtml(run, { history: ['<i>earlier</i>'] });
    expect(page).not.toContain('<script>x');
    expect(page).not.toContain('<b>bold');
    expect(page).not.toContain('<i>earlier');
    expect(page).toContain('&lt;script&gt;x&lt;/script&gt;:7000');
    expect(page).toContain('a &quot;note&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
  });

  it('renders a run saved by an older idlescope, without probe records or settings', () => {
    const old = savedRun({ startedAt: null, network: null, timeoutS: 350 }) as unknown as Record<
      string,
      unknown
    >;
    for (const key of ['started_at', 'settings', 'nat', 'probes']) delete old[key];
    const parsed = parseReport(JSON.stringify(old));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const page = renderHtml(parsed.report);
    expect(page).toContain('This report holds no per-probe records');
    expect(page).toContain('data-survived-s="349" data-evicted-s="350"');
  });

  it('shows the verification: the setting, its verdict per direction, the controls', () => {
    const run = savedRun({ startedAt: null, network: null, timeoutS: 350 });
    const setting = { kind: 'keepalive' as const, idle_s: 240, interval_s: 10, count: 3 };
    const test = { outcome: 'alive' as const, held_s: 400, idle_at_test_s: 400 };
    run.verification = {
      keepalive: {
        setting,
        verdict: 'proven',
        directions: { inbound: { verdict: 'proven', why: null, tested_with: setting, test, kernel: null } },
      },
      heartbeat: null,
      keepalive_skipped: null,
      controls: { inbound: { outcome: 'silent-drop', held_s: 400, idle_at_test_s: 400 } },
      connections_opened: 2,
    };
    const page = renderHtml(run);
    expect(page).toContain(
      '<tr><th>Keepalive</th><td>TCP keepalive idle 240 s, interval 10 s, count 3: ' +
        '<span class="verdict-proven">proven</span><ul><li>inbound: ' +
        '<span class="verdict-proven">proven</span>, ' +
        'held 400 s, idle at test 400 s: alive</li></ul></td></tr>',
    );
    expect(page).toContain(
      '<tr><th>Controls (no refresh)</th><td>inbound: silent-drop after 400 s</td></tr>',
    );
  });

  it('says the answer first', () => {
    expect(answerLine(savedRun({ startedAt: null, network: null, timeoutS: 350 }))).toBe(
      'Idle connections die after 349.0-350.0 s (inbound, silent drop): use TCP keepalive ' +
        'idle 240 s, interval 10 s, count 3',
    );
    expect(answerLine(savedRun({ startedAt: null, network: null, timeoutS: null }))).toBe(
      'No idle timeout up to 10.0 s: no keepalive is needed to keep this path open',
    );
  });

  it('refuses what is not a report', () => {
    expect(parseReport('[1]')).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(parseReport('{"schema": 2}')).toEqual({ ok: false, reason: 'not an idlescope report (schema 1)' });
    expect(parseReport('{"schema": 1, "directions": {}}')).toEqual({
      ok: false,
      reason: 'no recommendation object',
    });
  });

  it('puts round ticks on an axis', () => {
    expect(ticks(linearAxis(7.5, 0, 100))).toEqual([0, 2, 4, 6]);
    expect(ticks(linearAxis(380, 0, 100))).toEqual([0, 100, 200, 300]);
    expect(ticks(linearAxis(1, 0, 100))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
