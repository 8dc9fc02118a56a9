import { describe, expect, it } from 'vitest';
import {
  HINT_TOLERANCE,
  KNOWN_MIDDLEBOXES,
  middleboxHints,
  type MeasuredTimeout,
} from '../../../client/report/middlebox-hints.js';
import type { EvictionKind } from '../../../client/search/types.js';

/** A bracket of ±0.4 s around `seconds`, as a sharp search would give it. */
function around(seconds: number, eviction: EvictionKind): MeasuredTimeout {
  return { survivedMs: seconds * 1000 - 400, evictedMs: seconds * 1000 + 400, eviction };
}

function names(measured: MeasuredTimeout): string[] {
  return middleboxHints(measured).map((hint) => hint.middlebox.name);
}

describe('middleboxHints', () => {
  it.each([
    [60, 'close', ['AWS Application Load Balancer', 'AWS Classic Load Balancer', 'nginx proxy_read_timeout']],
    [240, 'silent-drop', ['Azure Load Balancer or NAT Gateway', 'China Telecom home line (measured 241 s)']],
    [350, 'reset', ['AWS NAT Gateway', 'AWS Network Load Balancer']],
    [400, 'close', ['Cloudflare, towards clients']],
    [1200, 'silent-drop', ['GCP Cloud NAT', 'Huawei USG firewall']],
    [1800, 'silent-drop', ['Juniper SRX firewall']],
    [3600, 'reset', ['a common firewall (Cisco ASA, Palo Alto, FortiGate)']],
    [7440, 'silent-drop', ['VPP NAT (the RFC 5382 minimum)']],
    [86400, 'silent-drop', ["kube-proxy's conntrack setting", 'Cisco IOS NAT']],
    [432000, 'silent-drop', ['Linux conntrack default']],
  ] as const)('%d s by %s looks like %j', (seconds, eviction, expected) => {
    expect(names(around(seconds, eviction))).toEqual(expected);
  });

  it('every known default the issue names is in the table, each with a source', () => {
    const defaults = new Set(KNOWN_MIDDLEBOXES.map((box) => box.defaultS));
    for (const seconds of [60, 240, 350, 400, 1200, 1800, 3600, 7440, 86400, 432000]) {
      expect(defaults.has(seconds), `${seconds} s`).toBe(true);
    }
    for (const box of KNOWN_MIDDLEBOXES) expect(box.source, box.name).toMatch(/^https:\/\/|field notes/);
  });

  it('says "looks like" with the reasoning and the source, never as a certainty', () => {
    const [hint] = middleboxHints(around(350, 'reset'));
    expect(hint?.text).toBe(
      'looks like AWS NAT Gateway: the bracket (349.6 s, 350.4 s] matches its default of 350 s, ' +
        'and a reset is how it evicts',
    );
  });

  it('names a value-only match after those matching the eviction too, and says why it is weaker', () => {
    // 60 s by silent drop: the value of an ALB or nginx, but those close with FIN.
    const hints = middleboxHints(around(60, 'silent-drop'));
    expect(hints.map((h) => h.evictionMatches)).toEqual([false, false, false]);
    expect(hints[0]?.text).toContain('but it evicts by a close (FIN), not a silent drop as here');
    // 1200 s by close: no box closes at 1200 s; still named, still marked as not matching.
    expect(middleboxHints(around(1200, 'close')).every((h) => !h.evictionMatches)).toBe(true);
  });

  it('says how close a near value is, and stops at the tolerance', () => {
    const near = middleboxHints({ survivedMs: 362_000, evictedMs: 364_000, eviction: 'reset' });
    expect(near[0]?.text).toContain('is within 4% of its default of 350 s');
    expect(near[0]?.distance).toBeCloseTo(13 / 350, 5);
    const outside = 350 * (1 + HINT_TOLERANCE) + 1;
    expect(
      names({ survivedMs: outside * 1000 - 100, evictedMs: outside * 1000 + 100, eviction: 'reset' }),
    ).toEqual([]);
  });

  it('gives no hint without an eviction, or for values no box uses', () => {
    expect(middleboxHints({ survivedMs: 7_440_000, evictedMs: null, eviction: null })).toEqual([]);
    for (const seconds of [100, 450, 2600, 500_000])
      expect(names(around(seconds, 'reset')), `${seconds}`).toEqual([]);
  });

  it('looks up a one-sided bracket (nothing survived) by its eviction bound', () => {
    expect(names({ survivedMs: null, evictedMs: 60_000, eviction: 'close' })[0]).toBe(
      'AWS Application Load Balancer',
    );
  });
});
