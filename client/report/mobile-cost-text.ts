/**
 * The mobile cost in the human report: a small table of what one idle connection costs a phone a
 * day, the recommendation first, then the common periods to compare. Pure.
 */
import { bytes } from './format.js';
import { RADIO_TAIL_S, type MobileCost, type PeriodicCost } from './mobile-cost.js';

const KIND_WORDS: Record<PeriodicCost['kind'], string> = {
  'tcp-keepalive': 'TCP keepalive',
  heartbeat: 'heartbeat',
};

function period(s: number): string {
  if (s < 120) return `${s} s`;
  const minutes = s / 60;
  return `${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min`;
}

function row(label: string, cost: PeriodicCost): string {
  const perHour =
    cost.exchangesPerHour < 10 ? cost.exchangesPerHour.toFixed(1) : Math.round(cost.exchangesPerHour);
  const radioHours = cost.radioOnSPerDay / 3600;
  return (
    `  ${label.padEnd(28)} ${String(perHour).padStart(6)}/h ${bytes(cost.bytesPerDay).padStart(9)}/day ` +
    `${String(cost.radioWakeupsPerDay).padStart(6)} wake-ups, radio on ${radioHours.toFixed(1)} h`
  );
}

/** "Mobile cost per connection per day (estimated): ..." and one row per period; [] if none recommended. */
export function mobileCostLines(cost: MobileCost): string[] {
  if (cost.recommended.length === 0) return [];
  const lines = [
    `Mobile cost per idle connection per day (estimated; radio tail ${RADIO_TAIL_S} s):`,
    ...cost.recommended.map((c) => row(`recommended ${KIND_WORDS[c.kind]} ${period(c.periodS)}`, c)),
    ...cost.common.map((c) => row(`common heartbeat ${period(c.periodS)}`, c)),
  ];
  return lines;
}
