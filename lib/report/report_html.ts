/**
 * The report page: one self-contained HTML document (inline CSS and SVG, no script, no font or
 * image from anywhere) drawn from the published data only, readable on a phone, printable.
 *
 * @module
 */

import { formatBytes } from "./byte_units.ts";
import { escapeHtml } from "./html_text.ts";
import type { PublishedRow, ReportData } from "./report_data.ts";
import { bytesChart, chartPeriod, sparkline } from "./svg_chart.ts";
import { type MapRegion, worldMap } from "./svg_map.ts";

/** Datasets that get a full chart (all get a small line in the table). */
const CHARTED_DATASETS = 10;
/** Rows of the regions and top-assets tables. */
const TABLE_ROWS = 20;

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
footer { margin-top: 3em; font-size: 0.85rem; color: var(--muted); }
@media (max-width: 640px) { svg.chart text { font-size: 26px; } svg.chart .wide-only { display: none; }
  main { padding: 8px; } th, td { padding: 4px; } }
@media print { main { max-width: none; } h2, figure, table, .card { break-inside: avoid; }
  .scroll { overflow: visible; } }
`;

/**
 * The report page for `data`, with `coordinates` of region labels (`[latitude, longitude]`).
 *
 * @example Usage
 * ```ts
 * import { renderReport } from "./report_html.ts";
 * import assert from "node:assert/strict";
 *
 * const totals = { number_of_requesters: "<50", number_of_unique_countries: 1,
 *   number_of_unique_regions: 1, total_bytes_sent: 5000, total_number_of_downloads: "<50",
 *   total_number_of_requests: "<50" };
 * const day = { key: "2024-01-01", bytes: 5000, requests: "<50", downloads: "<50" };
 * const html = renderReport({
 *   totals, byDay: [day], byRegion: [{ ...day, key: "FR/Grand Est" }],
 *   datasets: [{ name: "ds1", totals, byDay: [day], assets: [{ ...day, key: "a.nwb" }] }],
 * }, new Map([["FR/Grand Est", [48.58, 7.75]]]), new Date("2024-02-01T00:00:00Z"));
 * assert.deepStrictEqual(html.startsWith("<!DOCTYPE html>"), true);
 * assert.deepStrictEqual(html.includes("<circle "), true);
 * ```
 */
export function renderReport(
  data: ReportData,
  coordinates: Map<string, [number, number]>,
  generatedAt: Date,
  options: { sample?: boolean } = {},
): string {
  const days = data.byDay.map((d) => d.key).sort();
  const first = days[0];
  const last = days[days.length - 1];
  const range = first === undefined ? "no requests yet" : `${first} to ${last}`;
  const period = first === undefined ? "day" : chartPeriod(first, last);
  // Before any region lookup every requester is `missing`: countries and regions are unknown,
  // not zero and one.
  const unlabelled = data.byRegion.every((region) => region.key === "missing");
  const t = data.totals;
  const notKnown = '<span class="muted">not known yet</span>';
  const cards = [
    ["Bytes sent", formatBytes(t.total_bytes_sent)],
    ["Requests", count(t.total_number_of_requests)],
    ["Downloads", count(t.total_number_of_downloads)],
    ["Requesters", count(t.number_of_requesters)],
    ["Countries", unlabelled ? notKnown : count(t.number_of_unique_countries)],
    ["Regions", unlabelled ? notKnown : count(t.number_of_unique_regions)],
  ].map(([name, value]) => `<div class="card">${name}<b>${value}</b></div>`).join("");
  const placed: MapRegion[] = [];
  const unplaced: string[] = [];
  for (const region of data.byRegion) {
    const at = coordinates.get(region.key);
    if (at === undefined) unplaced.push(`${region.key} (${formatBytes(region.bytes)})`);
    else placed.push({ label: region.key, bytes: region.bytes, latitude: at[0], longitude: at[1] });
  }
  const mapHint = unlabelled
    ? '<p class="notice">No requester has a region yet, so the map is empty and countries and ' +
      "regions are not counted. Label them with <code>update_indexed_region_codes</code>, given " +
      "an ipinfo token (<code>IPINFO_API_KEY</code>) or a MaxMind-format database " +
      "(<code>--geo-db</code>), then make the summaries and this report again (" +
      "<code>daily</code> does all of it).</p>"
    : placed.length === 0
    ? '<p class="notice">No region has coordinates yet, so the map is empty. Look them up with ' +
      "<code>update_region_code_coordinates</code> (an OpenCage key, " +
      "<code>OPENCAGE_API_KEY</code>), then make this report again.</p>"
    : "";
  const datasetRows = data.datasets.map((dataset) =>
    `<tr><td>${breakable(escapeHtml(dataset.name))}</td><td>${
      formatBytes(dataset.totals.total_bytes_sent)
    }` +
    `</td><td>${count(dataset.totals.total_number_of_requests)}</td><td>${
      count(dataset.totals.total_number_of_downloads)
    }</td><td>${count(dataset.totals.number_of_requesters)}</td><td>${
      first === undefined ? "" : sparkline(dataset.byDay, first, last, dataset.name)
    }</td></tr>`
  ).join("");
  const assets = data.datasets.flatMap((dataset) =>
    dataset.assets.slice(0, TABLE_ROWS).map((asset) => ({
      ...asset,
      key: `${dataset.name}/${decodedKey(asset.key)}`,
    }))
  ).sort((a, b) => b.bytes - a.bytes).slice(0, TABLE_ROWS);
  // Each small chart under its title, all on the archive's time axis.
  const shared = first === undefined ? undefined : { first, last };
  const charts = data.datasets.slice(0, CHARTED_DATASETS).map((dataset, i) =>
    `<figure class="small-chart"><figcaption><h3>${breakable(escapeHtml(dataset.name))} <span>${
      formatBytes(dataset.totals.total_bytes_sent)
    } sent</span></h3></figcaption>${
      bytesChart({
        id: `dataset-${i}`,
        title: `${dataset.name}: bytes sent`,
        days: dataset.byDay,
        range: shared,
      })
    }</figure>`
  ).join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Access report, ${escapeHtml(range)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Access report</h1>${
    options.sample
      ? '\n<p class="notice"><strong>Sample data.</strong> This report is of the sample logs ' +
        "bundled with s3-log-extraction, labelled with made-up geolocation: its regions and " +
        "map are not real.</p>"
      : ""
  }
<p class="muted">Requests made on the days ${escapeHtml(range)} (UTC); page made ${
    generatedAt.toISOString().slice(0, 16).replace("T", " ")
  } UTC from the published summaries.</p>
<section aria-label="Totals"><div class="cards">${cards}</div></section>
<h2>Bytes sent over time</h2>
<p class="muted">One bar per ${period} (UTC), ${escapeHtml(range)}.</p>
<figure>${
    bytesChart({ id: "archive", title: "Bytes sent by the archive", days: data.byDay })
  }</figure>
<h2>Where the bytes went</h2>${mapHint}
<figure>${worldMap(placed)}
<figcaption class="legend"><span style="background:var(--place)"></span>places
<span style="background:var(--cloud)"></span>cloud regions (AWS, Google Cloud); area by bytes sent.${
    unplaced.length > 0 ? ` Not on the map: ${escapeHtml(unplaced.join(", "))}.` : ""
  }</figcaption></figure>
${table("Regions, most bytes first", "Region", data.byRegion.slice(0, TABLE_ROWS))}
<h2>Datasets</h2>
<div class="scroll"><table>
<caption>${data.datasets.length} datasets, most bytes first. Over time: bytes sent per ${period}, ${
    escapeHtml(range)
  }, each line scaled to its own peak.</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">Bytes sent</th><th scope="col">Requests</th><th scope="col">Downloads</th><th scope="col">Requesters</th><th scope="col">Over time</th></tr></thead>
<tbody>${datasetRows}</tbody></table></div>
<h2>Assets with the most bytes sent</h2>
${table("Assets, most bytes first (names decoded from the logs' URL encoding)", "Asset", assets)}
<h2>The largest datasets over time</h2>
<p class="muted">Bytes sent, one bar per ${period}, on the same days as the archive's chart.</p>
${charts}
<footer>Counts below the privacy minimum are shown as published (for example “&lt;50”); other
counts are rounded as published. No client IP is used to make this page.</footer>
</main>
</body>
</html>
`;
}

/**
 * An object key as a person would write it. S3's logs write keys URL-encoded twice (a space is
 * `%2520`), and the summaries publish them so; each level is decoded while it decodes to valid
 * text (a key whose own name holds `%20` keeps it).
 *
 * @example Usage
 * ```ts
 * import { decodedKey } from "./report_html.ts";
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

/** Escaped text with break opportunities after `/`, `_`, `-` and `.` (long names on a phone). */
function breakable(escaped: string): string {
  return escaped.replace(/([/_.-])/g, "$1<wbr>");
}

function count(value: number | string): string {
  return typeof value === "number" ? value.toLocaleString("en-US") : escapeHtml(value);
}

function table(caption: string, head: string, rows: PublishedRow[]): string {
  const body = rows.map((row) =>
    `<tr><td>${breakable(escapeHtml(row.key))}</td><td>${formatBytes(row.bytes)}</td><td>${
      count(row.requests)
    }</td><td>${count(row.downloads)}</td></tr>`
  ).join("");
  return `<div class="scroll"><table><caption>${caption}</caption><thead><tr><th scope="col">${head}</th><th scope="col">Bytes sent</th><th scope="col">Requests</th><th scope="col">Downloads</th></tr></thead><tbody>${body}</tbody></table></div>`;
}
