/**
 * A linear axis for the report's SVG charts: the scale from seconds to x, and round tick values
 * (1, 2 or 5 times a power of ten, about six of them).
 */
import { el, px } from './html-text.js';

export interface Axis {
  /** Seconds at the right end. */
  maxS: number;
  left: number;
  width: number;
  x(s: number): number;
}

export function linearAxis(maxS: number, left: number, width: number): Axis {
  const top = maxS > 0 ? maxS : 1;
  return { maxS: top, left, width, x: (s) => left + (Math.min(Math.max(s, 0), top) / top) * width };
}

/** Round tick values from 0 to the axis' end, about `count` of them. */
export function ticks(axis: Axis, count = 6): number[] {
  const raw = axis.maxS / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw) || 1;
  const values: number[] = [];
  for (let v = 0; v <= axis.maxS + step * 1e-9; v += step) values.push(Number(v.toPrecision(12)));
  return values;
}

/** The axis line with its ticks and labels, at height `y`, labelled `label`. */
export function axisSvg(axis: Axis, y: number, label: string): string {
  const right = px(axis.left + axis.width);
  const parts = [el('line', { class: 'axis', x1: px(axis.left), y1: px(y), x2: right, y2: px(y) })];
  for (const value of ticks(axis)) {
    const x = px(axis.x(value));
    parts.push(
      el('line', { class: 'tick', x1: x, y1: px(y), x2: x, y2: px(y + 4) }),
      el('text', { class: 'tick-label', x, y: px(y + 16), 'text-anchor': 'middle' }, String(value)),
    );
  }
  parts.push(el('text', { class: 'axis-label', x: right, y: px(y + 30), 'text-anchor': 'end' }, label));
  return parts.join('');
}
