/**
 * What the report's pages share: the frame of a page (one inline style sheet, no script, no
 * font or image from anywhere), the totals cards, tables of published rows, and how names from
 * the logs are shown (escaped, URL encoding decoded, breakable on a phone).
 *
 * @module
 */

import { formatBytes, formatCount } from "./byte_units.ts";
import { escapeHtml } from "./html_text.ts";
import type { DatasetReport, PublishedRow, ReadTotals } from "./report_data.ts";

/** The pages' one style sheet (inline in each page). */
const STYLE = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6475; --bar: #3b6ea8; --line: #d8dde6;
  --place: #d9534f; --cloud: #2a9d8f; --land: #c9d3c0; --sea: #eef3f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 960px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.6rem; margin: 0.2em 0; } h2 { font-size: 1.2rem; margin-top: 2em; }
.muted, .empty { color: var(--muted); }
.notice { border-left: 4px solid #b45309; padding: 0.4em 0.8em; background: #fef3c7; color: #451a03; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 8px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card b { display: block; font-size: 1.35rem; }
figure { margin: 0; }
svg { width: 100%; height: auto; display: block; }
svg text { font-size: 13px; fill: var(--muted); }
.small-chart { margin: 0 0 28px; } .small-chart h3 { font-size: 1rem; margin: 0 0 2px; }
.small-chart h3 span { font-weight: normal; color: var(--muted); }
.bar { fill: var(--bar); } .grid { stroke: var(--line); } .axis-line { stroke: var(--muted); }
.sea { fill: var(--sea); } .land { fill: var(--land); stroke: #aab5a0; stroke-width: 0.3; }
.place { fill: var(--place); fill-opacity: 0.55; stroke: var(--place); }
.cloud { fill: var(--cloud); fill-opacity: 0.6; stroke: var(--cloud); }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; } td:first-child { overflow-wrap: break-word; }
td + td { white-space: nowrap; }
.spark { width: 96px; display: inline-block; vertical-align: middle; }
.peak { display: block; color: var(--muted); font-size: 0.75rem; } .spark polyline { fill: none; stroke: var(--bar); stroke-width: 1.5; }
nav { font-size: 0.9rem; margin-bottom: 0.5em; } small.title { display: block; color: var(--muted); }
p.title { font-size: 1.1rem; margin: 0; } .source { font-size: 0.85rem; }
footer { margin-top: 3em; font-size: 0.85rem; color: var(--muted); }
@media (max-width: 640px) { svg.chart text { font-size: 26px; } svg.chart .wide-only { display: none; }
  main { padding: 8px; } th, td { padding: 4px; } }
@media print { main { max-width: none; } h2, figure, table, .card { break-inside: avoid; }
  .scroll { overflow: visible; } }
`;

/** What the pages say about when and from what they were made. */
export interface ReportContext {
  /** Region label → `[latitude, longitude]`. */
  coordinates: Map<string, [number, number]>;
  /** When the pages were made. */
  generatedAt: Date;
  /** The time of the last request extracted (the data's "as of"), when known. */
  dataAsOf?: Date;
  /** Whether this is the bundled sample (its geolocation is made up). */
  sample?: boolean;
}

/** The report's pages of one period each, in the order of the switch between them. */
export const PERIOD_PAGES: readonly { name: string; file: string; days?: number }[] = [
  { name: "All time", file: "index.html" },
  { name: "Last 12 months", file: "last_12_months.html", days: 365 },
  { name: "Last 30 days", file: "last_30_days.html", days: 30 },
];

/**
 * The switch between the pages of each period (links; the current one marked), for a page in
 * the report's folder.
 *
 * @example Usage
 * ```ts
 * import { periodNavigation } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * const nav = periodNavigation("last_30_days.html");
 * assert(nav.includes('<a href="index.html">All time</a>'));
 * assert(nav.includes('<strong aria-current="page">Last 30 days</strong>'));
 * ```
 */
export function periodNavigation(current: string): string {
  const items = PERIOD_PAGES.map((page) =>
    page.file === current
      ? `<strong aria-current="page">${page.name}</strong>`
      : `<a href="${page.file}">${page.name}</a>`
  );
  return `<nav aria-label="Period">${items.join(" · ")}</nav>`;
}

/**
 * The sample's notice, and the days and times the page is about.
 *
 * @example Usage
 * ```ts
 * import { heading } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * const html = heading("2024-01-01 to 2024-01-31", { coordinates: new Map(), generatedAt: new Date(0), sample: true });
 * assert(html.includes("Sample data.") && html.includes("2024-01-01 to 2024-01-31"));
 * ```
 */
export function heading(rangeText: string, context: ReportContext): string {
  const minute = (date: Date) => date.toISOString().slice(0, 16).replace("T", " ");
  const asOf = context.dataAsOf === undefined
    ? ""
    : ` Data as of ${minute(context.dataAsOf)} UTC (the last request extracted).`;
  return `${
    context.sample
      ? '\n<p class="notice"><strong>Sample data.</strong> This report is of the sample logs ' +
        "bundled with s3-log-extraction, labelled with made-up geolocation: its regions and " +
        "map are not real.</p>"
      : ""
  }
<p class="muted">Requests made on the days ${escapeHtml(rangeText)} (UTC).${asOf} Page made ${
    minute(context.generatedAt)
  } UTC from the published summaries.</p>`;
}

/**
 * A dataset's name linking to its page (below `folder`, relative to the page it is on), with
 * its title under it when it has one.
 *
 * @example Usage
 * ```ts
 * import { datasetLink } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * const totals = { number_of_requesters: 0, number_of_unique_countries: 0,
 *   number_of_unique_regions: 0, total_bytes_sent: 0, total_number_of_downloads: 0,
 *   total_number_of_requests: 0 };
 * const dataset = { name: "<ds>", folder: "ds", totals, byDay: [], byRegion: [], assets: [] };
 * assert.deepStrictEqual(datasetLink(dataset, "datasets/"), '<a href="datasets/ds.html">&lt;ds&gt;</a>');
 * ```
 */
export function datasetLink(dataset: DatasetReport, folder: string): string {
  const title = dataset.title === undefined
    ? ""
    : `<small class="title">${escapeHtml(dataset.title)}</small>`;
  return `<a href="${escapeHtml(folder + encodeURIComponent(dataset.folder))}.html">${
    breakable(escapeHtml(dataset.name))
  }</a>${title}`;
}

/**
 * The change from `previous` to `bytes`, as shown: `+12 %`, `−3 %`, `new` (nothing before), or
 * nothing (nothing in either).
 *
 * @example Usage
 * ```ts
 * import { growthText } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([growthText(112, 100), growthText(97, 100), growthText(5, 0), growthText(0, 0)], ["+12 %", "−3 %", "new", ""]);
 * ```
 */
export function growthText(bytes: number, previous: number): string {
  if (previous === 0) return bytes > 0 ? "new" : "";
  return `${bytes >= previous ? "+" : "−"}${Math.abs((bytes / previous - 1) * 100).toFixed(0)} %`;
}

/**
 * A whole page: `title` (plain text) and `body` (HTML).
 *
 * @param title The page's title, plain text (escaped here).
 * @param body The page's content, HTML.
 * @returns The HTML document.
 *
 * @example Usage
 * ```ts
 * import { reportPage } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * const html = reportPage("A <title>", "<h1>Hi</h1>");
 * assert(html.startsWith("<!DOCTYPE html>") && html.includes("<title>A &lt;title&gt;</title>"));
 * ```
 */
export function reportPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<footer>Counts below the privacy minimum are shown as published (for example “&lt;50”); other
counts are rounded as published. No client IP is used to make this page.</footer>
</main>
</body>
</html>
`;
}

/**
 * The totals as cards. Before any region lookup (`unlabelled`), countries and regions are
 * unknown, not zero and one.
 *
 * @param totals The published totals.
 * @param unlabelled Whether no requester has a region yet.
 * @returns The cards, HTML.
 *
 * @example Usage
 * ```ts
 * import { totalCards } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * const totals = { number_of_requesters: "<50", number_of_unique_countries: 0,
 *   number_of_unique_regions: 1, total_bytes_sent: 5000, total_number_of_downloads: "<50",
 *   total_number_of_requests: 120 };
 * assert(totalCards(totals, true).includes("Countries<b><span class=\"muted\">not known yet"));
 * assert(totalCards(totals, false).includes("Requests<b>120</b>"));
 * ```
 */
export function totalCards(totals: ReadTotals, unlabelled: boolean): string {
  const notKnown = '<span class="muted">not known yet</span>';
  const cards = [
    ["Bytes sent", formatBytes(totals.total_bytes_sent)],
    ["Requests", count(totals.total_number_of_requests)],
    ["Downloads", count(totals.total_number_of_downloads)],
    ["Requesters", count(totals.number_of_requesters)],
    ["Countries", unlabelled ? notKnown : count(totals.number_of_unique_countries)],
    ["Regions", unlabelled ? notKnown : count(totals.number_of_unique_regions)],
  ].map(([name, value]) => `<div class="card">${name}<b>${value}</b></div>`).join("");
  return `<section aria-label="Totals"><div class="cards">${cards}</div></section>`;
}

/**
 * A count as published: a number with thousands separators, or the published text (`<50`).
 *
 * @param value The published count.
 * @returns It as HTML.
 *
 * @example Usage
 * ```ts
 * import { count } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([count(12345), count("<50")], ["12,345", "&lt;50"]);
 * ```
 */
export function count(value: number | string): string {
  return typeof value === "number" ? formatCount(value) : escapeHtml(value);
}

/**
 * A table of published rows (name, bytes, requests, downloads), names shown breakable.
 *
 * @param caption The caption, HTML.
 * @param head The first column's heading.
 * @param rows The rows.
 * @returns The table, HTML.
 *
 * @example Usage
 * ```ts
 * import { rowsTable } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * const html = rowsTable("Regions", "Region", [{ key: "FR/Grand Est", bytes: 2048, requests: 60, downloads: "<50" }]);
 * assert(html.includes("<td>FR/<wbr>Grand Est</td><td>2.05 KB</td><td>60</td><td>&lt;50</td>"));
 * ```
 */
export function rowsTable(caption: string, head: string, rows: PublishedRow[]): string {
  const body = rows.map((row) =>
    `<tr><td>${breakable(escapeHtml(row.key))}</td><td>${formatBytes(row.bytes)}</td><td>${
      count(row.requests)
    }</td><td>${count(row.downloads)}</td></tr>`
  ).join("");
  return `<div class="scroll"><table><caption>${caption}</caption><thead><tr><th scope="col">${head}</th><th scope="col">Bytes sent</th><th scope="col">Requests</th><th scope="col">Downloads</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

/**
 * An object key as a person would write it. S3's logs write keys URL-encoded twice (a space is
 * `%2520`), and the summaries publish them so; each level is decoded while it decodes to valid
 * text (a key whose own name holds `%20` keeps it).
 *
 * @param key The key as published.
 * @returns The key decoded (not escaped).
 *
 * @example Usage
 * ```ts
 * import { decodedKey } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(decodedKey("donn%25C3%25A9es/my%2520file.nwb"), "données/my file.nwb");
 * assert.deepStrictEqual(decodedKey("a/file%252520literal.txt"), "a/file%20literal.txt");
 * assert.deepStrictEqual(decodedKey("bad%25E0%25A4"), "bad%E0%A4");
 * ```
 */
export function decodedKey(key: string): string {
  let text = key;
  for (let level = 0; level < 2; level++) {
    try {
      text = decodeURIComponent(text);
    } catch {
      break; // not valid at this level: shown as it is
    }
  }
  return text;
}

/**
 * Escaped text with break opportunities after `/`, `_`, `-` and `.` (long names on a phone).
 *
 * @param escaped Text already escaped for HTML.
 * @returns The text with `<wbr>` after those characters.
 *
 * @example Usage
 * ```ts
 * import { breakable } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(breakable("sub-01/a.nwb"), "sub-<wbr>01/<wbr>a.<wbr>nwb");
 * ```
 */
export function breakable(escaped: string): string {
  return escaped.replace(/([/_.-])/g, "$1<wbr>");
}

/**
 * A link to a published file, relative to the page (the report folder sits beside `summaries/`
 * in the cache, and should beside it wherever both are published).
 *
 * @param path The file's path below `summaries/`.
 * @param depth How many folders below `report/` the page is.
 * @returns A paragraph with the link, HTML.
 *
 * @example Usage
 * ```ts
 * import { sourceLink } from "./report_page.ts";
 * import assert from "node:assert/strict";
 *
 * assert(sourceLink("archive/by_day.tsv", 0).includes('href="../summaries/archive/by_day.tsv"'));
 * ```
 */
export function sourceLink(path: string, depth: number): string {
  const href = "../".repeat(depth + 1) + "summaries/" +
    path.split("/").map(encodeURIComponent).join("/");
  return `<p class="source muted">Drawn from <a href="${escapeHtml(href)}">${
    escapeHtml(path)
  }</a>.</p>`;
}
