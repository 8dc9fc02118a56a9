/**
 * The report page's one stylesheet, inlined: no fonts, images or scripts are fetched, so the file
 * reads the same offline, attached to a mail or opened years later. Light and dark by the reader's
 * preference; the charts' colours carry their meaning in the legend and each element's title too.
 */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6478; --bg: #fbfbfd; --card: #ffffff;
  --line: #d6dae3; --ok: #1f8a4c; --bad: #c8323b; --grey: #9aa1b1; --in: #3b6fd8; --out: #a05ad6;
  --band: rgba(200, 50, 59, 0.14); }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8ee; --muted: #a3aabb; --bg: #14161c; --card: #1c1f27; --line: #353a47;
    --band: rgba(240, 90, 100, 0.2); }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 860px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.answer { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--in);
  border-radius: 6px; padding: 12px 16px; font-size: 17px; font-weight: 600; }
.answer.failed { border-left-color: var(--bad); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 10px 4px 0; vertical-align: top;
  border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 500; width: 34%; }
ul { margin: 4px 0; padding-left: 20px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.empty { color: var(--muted); font-style: italic; }
.verdict-proven { color: var(--ok); font-weight: 600; }
.verdict-failed { color: var(--bad); font-weight: 600; }
.verdict-inconclusive { color: var(--muted); font-weight: 600; }
.legend { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin: 0 4px 0 10px; }
.chart { overflow-x: auto; }
svg { max-width: 100%; height: auto;
  font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
svg text { fill: var(--fg); }
svg .tick-label, svg .axis-label, svg .lane-label { fill: var(--muted); }
svg .panel-title { font-weight: 600; }
svg .axis, svg .tick { stroke: var(--muted); stroke-width: 1; }
svg .bracket-band { fill: var(--band); }
svg .bracket-survived { stroke: var(--ok); stroke-width: 2; }
svg .bracket-evicted { stroke: var(--bad); stroke-width: 2; }
svg .bracket-label.survived { fill: var(--ok); font-weight: 600; }
svg .bracket-label.evicted { fill: var(--bad); font-weight: 600; }
svg circle.survived { fill: var(--ok); }
svg circle.evicted { fill: var(--bad); }
svg circle.evicted.silent-drop { fill: none; stroke: var(--bad); stroke-width: 1.5; }
svg circle.evicted.close { fill: #d97706; }
svg .end.close { stroke: #d97706; }
svg circle.unanswered { fill: var(--grey); }
svg .opening { stroke: var(--grey); }
svg .idle.inbound { stroke: var(--in); opacity: 0.45; }
svg .idle.outbound { stroke: var(--out); opacity: 0.45; }
svg .end { stroke: var(--bad); stroke-width: 1.6; fill: none; }
@media print { body { background: #fff; } .card, .answer { border-color: #bbb; } }
`;
