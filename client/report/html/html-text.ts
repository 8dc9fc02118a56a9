/**
 * Text into HTML and SVG, safely: every value a report carries (a reflector's name, a note, an
 * error message from the network) is escaped before it is placed in markup or in an attribute.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Seconds as a reader wants them: "19.362 s", "350 s", "7440 s"; "–" for null. */
export function seconds(value: number | null): string {
  if (value === null) return '–';
  return `${Number(value.toFixed(value < 100 ? 3 : 1))} s`;
}

/** A coordinate, rounded so the markup stays small and stable. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/**
 * One element: `tag` with its attributes (escaped; null ones left out) and its content (markup,
 * already safe). Numbers are written as given: round coordinates with px() first.
 */
export function el(tag: string, attributes: Record<string, string | number | null>, content = ''): string {
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== null)
    .map(([name, value]) => ` ${name}="${escapeHtml(String(value))}"`)
    .join('');
  return `<${tag}${attrs}>${content}</${tag}>`;
}
