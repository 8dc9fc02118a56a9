/** Small numeric helpers the bench's tables share: rounding for display and medians over runs. */

/** `x` rounded to `digits` decimals. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The median of the known values (the mean of the middle two for an even count); null when none is known. */
export function median(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = known.length >> 1;
  return known.length % 2 === 1
    ? (known[mid] as number)
    : ((known[mid - 1] as number) + (known[mid] as number)) / 2;
}
