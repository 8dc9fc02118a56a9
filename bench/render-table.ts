/**
 * The table layout and the cell formats every section of the bench's report uses (bench/render.ts):
 * one table function for text and Markdown, seconds, durations, brackets, shares and bytes. Pure.
 */
import type { BracketSummary } from './scenarios.js';

export type Format = 'text' | 'markdown';

/** A column's alignment: left or right. */
export type Align = 'l' | 'r';

/** A table: Markdown (pipes escaped), or text columns padded to their widest cell. */
export function table(format: Format, headers: string[], rows: string[][], align: Align[]): string {
  if (format === 'markdown') {
    const line = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    const rule = `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`;
    return [line(headers), rule, ...rows.map(line)].join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cells: string[]): string =>
    cells
      .map((c, i) => (align[i] === 'r' ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [pad(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)].join('\n');
}

/** Seconds with as many decimals as are meaningful at that size. */
export function seconds(s: number | null): string {
  if (s === null) return '—';
  if (Math.abs(s) >= 1000) return s.toFixed(0);
  if (Math.abs(s) >= 100) return s.toFixed(1);
  return s.toFixed(2);
}

/** A wall time: seconds, plus minutes or hours when that reads better. */
export function duration(s: number): string {
  if (s < 600) return `${seconds(s)} s`;
  if (s < 7200) return `${seconds(s)} s (${(s / 60).toFixed(1)} min)`;
  return `${seconds(s)} s (${(s / 3600).toFixed(1)} h)`;
}

/** A reported bracket: (survived, evicted]. */
export function bracket(d: BracketSummary): string {
  return `(${seconds(d.survivedS)}, ${seconds(d.evictedS)}]`;
}

/** One bracket, or one per direction. */
export function brackets(ds: BracketSummary[]): string {
  if (ds.length === 1) return bracket(ds[0] as BracketSummary);
  return ds.map((d) => `${d.direction === 'inbound' ? 'in' : 'out'} ${bracket(d)}`).join(' · ');
}

/** A share as a percentage, with enough decimals to tell 1.002% from 1%. */
export function percent(x: number): string {
  const p = x * 100;
  return `${p >= 10 ? p.toFixed(1) : p.toFixed(3)}%`;
}

/** A check's result, its failure in capitals. */
export const yesNo = (b: boolean): string => (b ? 'yes' : 'NO');

/** Bytes, or KiB from 1024 up. */
export function bytes(n: number | null): string {
  if (n === null) return '—';
  return Math.abs(n) >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}
