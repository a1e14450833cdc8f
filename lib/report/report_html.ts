/**
 * The report's pages: the overview (`index.html`) and a page per dataset
 * (`datasets/<folder>.html`), each one self-contained HTML document (inline CSS and SVG, no
 * script, no font or image from anywhere) drawn from the published data only, readable on a
 * phone, printable, and linking to the published files it is drawn from.
 *
 * @module
 */

import { formatBytes, formatCount } from "./byte_units.ts";
import { countryRollup } from "./country_rollup.ts";
import { dayRange, periodGrowth } from "./period_growth.ts";
import { escapeHtml } from "./html_text.ts";
import type { DatasetReport, PublishedRow, ReportData } from "./report_data.ts";
import {
  breakable,
  count,
  datasetLink,
  decodedKey,
  growthText,
  heading,
  periodNavigation,
  type ReportContext,
  reportPage,
  rowsTable,
  sourceLink,
  totalCards,
} from "./report_page.ts";

export type { ReportContext } from "./report_page.ts";
import { chartPeriod, sparkline, timeChart } from "./svg_chart.ts";
import { archiveActivitySections, datasetActivitySection } from "./activity_sections.ts";
import { type MapRegion, worldMap } from "./svg_map.ts";

/** Datasets that get a full chart on the overview (all get a small line in the table). */
const CHARTED_DATASETS = 10;
/** Rows of the regions and top-assets tables of the overview. */
const TABLE_ROWS = 20;
/** Rows of a dataset page's assets table. */
const DATASET_ASSET_ROWS = 50;
/** Datasets in the overview's table (all of them are in `datasets/index.html`). */
const OVERVIEW_DATASETS = 100;

/**
 * The overview page for `data`.
 *
 * @param data The published data.
 * @param context Coordinates of region labels, when the pages were made, the data's "as of".
 * @returns The HTML document.
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
 * const region = { ...day, key: "FR/Grand Est" };
 * const html = renderReport({
 *   totals, byDay: [day], byRegion: [region],
 *   datasets: [{ name: "ds1", folder: "ds1", totals, byDay: [day], byRegion: [region],
 *     assets: [{ ...day, key: "a.nwb" }] }],
 * }, { coordinates: new Map([["FR/Grand Est", [48.58, 7.75]]]), generatedAt: new Date("2024-02-01T00:00:00Z") });
 * assert.deepStrictEqual(html.startsWith("<!DOCTYPE html>"), true);
 * assert.deepStrictEqual(html.includes("<circle "), true);
 * assert.deepStrictEqual(html.includes('href="datasets/ds1.html"'), true);
 * ```
 */
export function renderReport(data: ReportData, context: ReportContext): string {
  const range = dayRange(data.byDay);
  const period = range === undefined ? "day" : chartPeriod(range.first, range.last);
  const rangeText = range === undefined ? "no requests yet" : `${range.first} to ${range.last}`;
  const listed = data.datasets.slice(0, OVERVIEW_DATASETS);
  const datasetRows = listed.map((dataset) =>
    `<tr><td>${datasetLink(dataset, "datasets/")}</td><td>${
      formatBytes(dataset.totals.total_bytes_sent)
    }</td><td>${count(dataset.totals.total_number_of_requests)}</td><td>${
      count(dataset.totals.total_number_of_downloads)
    }</td><td>${count(dataset.totals.number_of_requesters)}</td><td>${
      range === undefined ? "" : sparkline(dataset.byDay, range.first, range.last, dataset.name)
    }</td></tr>`
  ).join("");
  const which = data.datasets.length > listed.length
    ? `The ${listed.length} with the most bytes sent of ${
      formatCount(data.datasets.length)
    } datasets; <a href="all_datasets.html">all of them</a>`
    : `${data.datasets.length} datasets, most bytes first (<a href="all_datasets.html">as a list</a>)`;
  const assets = data.datasets.flatMap((dataset) =>
    dataset.assets.slice(0, TABLE_ROWS).map((asset) => ({
      ...asset,
      key: `${dataset.name}/${decodedKey(asset.key)}`,
    }))
  ).sort((a, b) => b.bytes - a.bytes).slice(0, TABLE_ROWS);
  // Each small chart under its title, all on the archive's time axis.
  const charts = data.datasets.slice(0, CHARTED_DATASETS).map((dataset, i) =>
    `<figure class="small-chart"><figcaption><h3><a href="${escapeHtml(datasetHref(dataset))}">${
      breakable(escapeHtml(dataset.name))
    }</a> <span>${formatBytes(dataset.totals.total_bytes_sent)} sent</span></h3></figcaption>${
      timeChart({
        id: `dataset-${i}`,
        title: `${dataset.name}: bytes sent`,
        days: dataset.byDay,
        range,
      })
    }</figure>`
  ).join("");
  const body = `${periodNavigation("index.html")}
<h1>Access report</h1>${heading(rangeText, context)}
${totalCards(data.totals, unlabelled(data.byRegion))}
<h2>Bytes sent over time</h2>
<p class="muted">One bar per ${period} (UTC), ${escapeHtml(rangeText)}.</p>
<figure>${
    timeChart({ id: "archive", title: "Bytes sent by the archive", days: data.byDay })
  }</figure>
${periodsTable(data.byDay)}
${countCharts("archive", data.byDay, period)}
${sourceLink("archive/by_day.tsv", 0)}
${
    whereTheBytesWent(data.byRegion, context, {
      rows: TABLE_ROWS,
      source: "archive/by_region.tsv",
      depth: 0,
      map: true,
    })
  }
<h2>Datasets</h2>
<div class="scroll"><table>
<caption>${which}; each has a page of its own. Over time: bytes sent per ${period}, ${
    escapeHtml(rangeText)
  }, each line scaled to its own peak.</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">Bytes sent</th><th scope="col">Requests</th><th scope="col">Downloads</th><th scope="col">Requesters</th><th scope="col">Over time</th></tr></thead>
<tbody>${datasetRows}</tbody></table></div>
${sourceLink("totals.json", 0)}
<h2>Assets with the most bytes sent</h2>
${
    rowsTable(
      "Assets, most bytes first (names decoded from the logs' URL encoding)",
      "Asset",
      assets,
    )
  }
<p class="source muted">Drawn from each dataset's <code>by_asset.tsv</code>.</p>
<h2>The largest datasets over time</h2>
<p class="muted">Bytes sent, one bar per ${period}, on the same days as the archive's chart.</p>
${charts}
${archiveActivitySections(data, range)}`;
  return reportPage(`Access report, ${rangeText}`, body);
}

/**
 * The page of one dataset: its totals, bytes over time, regions and countries, its assets.
 *
 * @param dataset The dataset's published data.
 * @param context Coordinates of region labels, when the pages were made, the data's "as of".
 * @returns The HTML document, for `datasets/<folder>.html`.
 *
 * @example Usage
 * ```ts
 * import { renderDatasetPage } from "./report_html.ts";
 * import assert from "node:assert/strict";
 *
 * const totals = { number_of_requesters: "<50", number_of_unique_countries: 1,
 *   number_of_unique_regions: 1, total_bytes_sent: 5000, total_number_of_downloads: "<50",
 *   total_number_of_requests: "<50" };
 * const day = { key: "2024-01-01", bytes: 5000, requests: "<50", downloads: "<50" };
 * const html = renderDatasetPage({ name: "ds1", folder: "ds1", totals, byDay: [day],
 *   byRegion: [{ ...day, key: "FR/Grand Est" }], assets: [{ ...day, key: "a.nwb" }] },
 *   { coordinates: new Map(), generatedAt: new Date("2024-02-01T00:00:00Z") });
 * assert(html.includes("<h1>ds1</h1>") && html.includes('href="../index.html"'));
 * assert(html.includes('href="../../summaries/ds1/by_asset.tsv"'));
 * ```
 */
export function renderDatasetPage(dataset: DatasetReport, context: ReportContext): string {
  const range = dayRange(dataset.byDay);
  const period = range === undefined ? "day" : chartPeriod(range.first, range.last);
  const rangeText = range === undefined ? "no requests yet" : `${range.first} to ${range.last}`;
  const folder = dataset.folder;
  const assets = dataset.assets.slice(0, DATASET_ASSET_ROWS).map((asset) => ({
    ...asset,
    key: decodedKey(asset.key),
  }));
  const regions = dataset.byRegion.length === 0
    ? '<p class="empty">Its summaries have no regions (<code>by_region.tsv</code>).</p>'
    : whereTheBytesWent(dataset.byRegion, context, {
      rows: TABLE_ROWS,
      source: `${folder}/by_region.tsv`,
      depth: 1,
      // The world's outline is most of a map's bytes: ten thousand copies would be 500 MB.
      map: false,
    });
  const body = `<nav><a href="../index.html">← All datasets</a></nav>
<h1>${breakable(escapeHtml(dataset.name))}</h1>${
    dataset.title === undefined ? "" : `\n<p class="title">${escapeHtml(dataset.title)}</p>`
  }${heading(rangeText, context)}
${totalCards(dataset.totals, dataset.byRegion.length > 0 && unlabelled(dataset.byRegion))}
${sourceLink("totals.json", 1)}
<h2>Bytes sent over time</h2>
<p class="muted">One bar per ${period} (UTC), ${escapeHtml(rangeText)}.</p>
<figure>${
    timeChart({ id: "dataset", title: `${dataset.name}: bytes sent`, days: dataset.byDay })
  }</figure>
${periodsTable(dataset.byDay)}
${countCharts("dataset", dataset.byDay, period)}
${sourceLink(`${folder}/by_day.tsv`, 1)}
${regions}
<h2>Assets</h2>
${
    rowsTable(
      `${formatCount(dataset.assets.length)} assets, most bytes first${
        dataset.assets.length > DATASET_ASSET_ROWS ? ` (the first ${DATASET_ASSET_ROWS})` : ""
      }; names decoded from the logs' URL encoding`,
      "Asset",
      assets,
    )
  }
${sourceLink(`${folder}/by_asset.tsv`, 1)}
${datasetActivitySection(dataset)}`;
  return reportPage(
    `${dataset.name}${
      dataset.title === undefined ? "" : ` (${dataset.title})`
    }: access report, ${rangeText}`,
    body,
  );
}

/**
 * The list of every dataset (`all_datasets.html`, beside the overview: a dataset may be named
 * `index`): name, totals, a link to its page. No chart, so that it stays small with tens of
 * thousands of datasets.
 *
 * @param data The published data.
 * @param context When the pages were made, the data's "as of".
 * @returns The HTML document.
 *
 * @example Usage
 * ```ts
 * import { renderDatasetIndex } from "./report_html.ts";
 * import assert from "node:assert/strict";
 *
 * const totals = { number_of_requesters: "<50", number_of_unique_countries: 1,
 *   number_of_unique_regions: 1, total_bytes_sent: 5000, total_number_of_downloads: "<50",
 *   total_number_of_requests: "<50" };
 * const html = renderDatasetIndex({ totals, byDay: [], byRegion: [], datasets: [
 *   { name: "ds1", folder: "ds1", totals, byDay: [], byRegion: [], assets: [] }] },
 *   { coordinates: new Map(), generatedAt: new Date(0) });
 * assert(html.includes('<a href="datasets/ds1.html">ds1</a>') && html.includes('href="index.html"'));
 * ```
 */
export function renderDatasetIndex(data: ReportData, context: ReportContext): string {
  const rows = data.datasets.map((dataset) =>
    `<tr><td>${datasetLink(dataset, "datasets/")}</td><td>${
      formatBytes(dataset.totals.total_bytes_sent)
    }</td><td>${count(dataset.totals.total_number_of_requests)}</td><td>${
      count(dataset.totals.total_number_of_downloads)
    }</td><td>${count(dataset.totals.number_of_requesters)}</td></tr>`
  ).join("");
  const body = `<nav><a href="index.html">← The report</a></nav>
<h1>All datasets</h1>${heading(rangeOf(data.byDay), context)}
<div class="scroll"><table>
<caption>${formatCount(data.datasets.length)} datasets, most bytes first.</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">Bytes sent</th><th scope="col">Requests</th><th scope="col">Downloads</th><th scope="col">Requesters</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${sourceLink("totals.json", 0)}`;
  return reportPage("All datasets", body);
}

/**
 * Requests and downloads over time. A day published as `<50` (under the privacy minimum) adds
 * nothing to its bar, which the text says.
 */
function countCharts(id: string, byDay: PublishedRow[], period: string): string {
  if (byDay.length === 0) return "";
  const chart = (field: "requests" | "downloads", title: string) => {
    const hidden = byDay.filter((d) => typeof d[field] !== "number");
    if (hidden.length === byDay.length) {
      return `<p class="muted">${title}: every day is published as under the privacy minimum (“${
        escapeHtml(String(hidden[0][field]))
      }”), so there is nothing to draw; the total above is the published one.</p>`;
    }
    const note = hidden.length === 0
      ? ""
      : `; ${formatCount(hidden.length)} day${
        hidden.length === 1 ? " is" : "s are"
      } published as under the privacy minimum (“${
        escapeHtml(String(hidden[0][field]))
      }”) and add nothing, so the bars are lower bounds`;
    const days = byDay.map((d) => ({
      key: d.key,
      bytes: typeof d[field] === "number" ? d[field] : 0,
    }));
    return `<figure><figcaption class="muted">${title} per ${period} (UTC), from the published counts of each day${note}.</figcaption>${
      timeChart({ id: `${id}-${field}`, title, days, unit: "count" })
    }</figure>`;
  };
  return `<h3>Requests and downloads</h3>
${chart("requests", "Requests")}
${chart("downloads", "Downloads")}`;
}

/** Bytes sent in the last 30 days and 12 months against the period before, and in all. */
function periodsTable(byDay: PublishedRow[]): string {
  const periods = periodGrowth(byDay);
  if (periods.length === 0) return "";
  const rows = periods.map((p) =>
    `<tr><td>${escapeHtml(p.name)}</td><td>${p.first} to ${p.last}</td><td>${
      formatBytes(p.bytes)
    }</td><td>${p.previous === undefined ? "" : formatBytes(p.previous)}</td><td>${
      p.previous === undefined ? "" : growthText(p.bytes, p.previous)
    }</td></tr>`
  ).join("");
  return `<div class="scroll"><table><caption>Bytes sent by period, ending on the last day with requests, against the period of the same length before it</caption><thead><tr><th scope="col">Period</th><th scope="col">Days (UTC)</th><th scope="col">Bytes sent</th><th scope="col">The period before</th><th scope="col">Change</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** Where a dataset's page is, relative to the overview. */
function datasetHref(dataset: DatasetReport): string {
  return `datasets/${encodeURIComponent(dataset.folder)}.html`;
}

/** Before any region lookup every requester is `missing`. */
function unlabelled(regions: PublishedRow[]): boolean {
  return regions.every((region) => region.key === "missing");
}

/**
 * The map (on the overview), the regions and the countries of `regions`, with what is missing
 * said.
 */
function whereTheBytesWent(
  regions: PublishedRow[],
  context: ReportContext,
  { rows, source, depth, map }: { rows: number; source: string; depth: number; map: boolean },
): string {
  const placed: MapRegion[] = [];
  const unplaced: string[] = [];
  for (const region of regions) {
    const at = context.coordinates.get(region.key);
    if (at === undefined) unplaced.push(`${region.key} (${formatBytes(region.bytes)})`);
    else placed.push({ label: region.key, bytes: region.bytes, latitude: at[0], longitude: at[1] });
  }
  const hint = unlabelled(regions)
    ? '<p class="notice">No requester has a region yet, so countries and regions are not ' +
      "counted. Label them with <code>update_indexed_region_codes</code>, given " +
      "an ipinfo token (<code>IPINFO_API_KEY</code>) or a MaxMind-format database " +
      "(<code>--geo-db</code>), then make the summaries and this report again (" +
      "<code>daily</code> does all of it).</p>"
    : map && placed.length === 0
    ? '<p class="notice">No region has coordinates yet, so the map is empty. Look them up with ' +
      "<code>update_region_code_coordinates</code> (an OpenCage key, " +
      "<code>OPENCAGE_API_KEY</code>), then make this report again.</p>"
    : "";
  const figure = map
    ? `<figure>${worldMap(placed)}
<figcaption class="legend"><span style="background:var(--place)"></span>places
<span style="background:var(--cloud)"></span>cloud regions (AWS, Google Cloud); area by bytes sent.${
      unplaced.length > 0 ? ` Not on the map: ${escapeHtml(unplaced.join(", "))}.` : ""
    }</figcaption></figure>\n`
    : "";
  const countries = countryRollup(regions).map((row) =>
    // A count of region labels, not of requests: marked apart from the rounded counts.
    `<tr><td>${escapeHtml(row.name)}</td><td>${formatBytes(row.bytes)}</td><td class="labels">${
      formatCount(row.regions)
    }</td></tr>`
  ).join("");
  return `<h2>Where the bytes went</h2>${hint}
${figure}${rowsTable("Regions, most bytes first", "Region", regions.slice(0, rows))}
<div class="scroll"><table><caption>Countries, most bytes first (cloud regions, VPN and GitHub ranges and unknown requesters kept apart; bytes only, as rounded counts do not add up)</caption><thead><tr><th scope="col">Country</th><th scope="col">Bytes sent</th><th scope="col">Regions</th></tr></thead><tbody>${countries}</tbody></table></div>
${sourceLink(source, depth)}`;
}

/** The days of `days` as text. */
function rangeOf(days: PublishedRow[]): string {
  const range = dayRange(days);
  return range === undefined ? "no requests yet" : `${range.first} to ${range.last}`;
}
