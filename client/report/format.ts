/**
 * How the reports write quantities: one formatter per unit, used by the JSON, the text report,
 * the findings' wording and the live progress alike. Pure.
 */

/** ms → s with millisecond precision, for the JSON (null stays null). */
export function jsonSeconds(ms: number): number;
export function jsonSeconds(ms: number | null): number | null;
export function jsonSeconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms) / 1000;
}

/** "0.7 s", "24.5 s", "8 s": to a tenth, no trailing zero; for sentences. */
export function roundSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** "7.82 s", "349.5 s": two decimals below 10 s, one above; for a measured bound. */
export function preciseSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

/** "29.4 s", "349.5 s (5 min 50 s)", "7440.0 s (2 h 4 min)": a bound, with minutes or hours past 2 min. */
export function duration(ms: number): string {
  const base = preciseSeconds(ms);
  const s = ms / 1000;
  if (s < 120) return base;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const parts = h > 0 ? [`${h} h`, m > 0 ? `${m} min` : ''] : [`${m} min`, rest > 0 ? `${rest} s` : ''];
  return `${base} (${parts.filter(Boolean).join(' ')})`;
}

/** "12.3 s", "5 min 3 s", "2 h 4 min", or "—" for unknown: short, for a status line. */
export function compactDuration(ms: number | null): string {
  if (ms === null) return '—';
  const s = ms / 1000;
  if (s < 100) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** "812 B", "5.3 KiB", "84 KiB", "1.2 MiB": binary units, one decimal below 10, whole above. */
export function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  const [value, unit] =
    count < 1024 ** 2
      ? [count / 1024, 'KiB']
      : count < 1024 ** 3
        ? [count / 1024 ** 2, 'MiB']
        : [count / 1024 ** 3, 'GiB'];
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/**
 * "about 1,900": an estimate shown to two significant digits, so it does not look measured.
 * Grouped with commas whatever the locale, like the rest of the report.
 */
export function estimate(count: number): string {
  const digits = Math.max(0, Math.floor(Math.log10(Math.max(1, count))) - 1);
  const rounded = Math.round(count / 10 ** digits) * 10 ** digits;
  return `about ${rounded.toLocaleString('en-US')}`;
}
