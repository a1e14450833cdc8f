/**
 * The report's sections drawn from the activity files: streamed or downloaded whole (per
 * dataset), uploads over time, failed requests by dataset and over time, kinds of clients over
 * time; and a dataset page's own "how it is used". Counts are the published ones: a day or row
 * published as under the privacy minimum adds nothing to a sum, which the text says.
 *
 * @module
 */

import { formatBytes, formatCount } from "./byte_units.ts";
import { escapeHtml } from "./html_text.ts";
import type { DatasetReport, ReportData } from "./report_data.ts";
import { count, datasetLink, sourceLink } from "./report_page.ts";
import {
  type ActivityReport,
  type PublishedCount,
  type PublishedSum,
  type SummedRows,
  sumPublished,
} from "./published_activity.ts";
import { timeChart } from "./svg_chart.ts";

/** Datasets in the tables of the overview's activity sections. */
const ACTIVITY_ROWS = 20;

/** A sum as shown: the number, "at least" when some parts were hidden, "—" when all were. */
function shownSum({ sum, hidden }: PublishedSum): string {
  if (sum === 0 && hidden > 0) return '<span class="muted">under the minimum</span>';
  return hidden > 0 ? `≥ ${formatCount(sum)}` : formatCount(sum);
}

/** A ratio as shown: two decimals, or "—" when unknown. */
function ratio(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(2);
}

/**
 * Whether a dataset is mostly streamed or downloaded whole, from its published full downloads
 * and partial requests; undecided when either is hidden by the privacy minimum.
 */
function howDelivered(full: PublishedCount, partial: PublishedCount): string {
  if (typeof full !== "number" || typeof partial !== "number") return "—";
  if (full === 0 && partial === 0) return "—";
  return partial > full ? "streamed" : "downloaded whole";
}

/** The note said under sums of published counts. */
const LOWER_BOUNDS = "Counts are summed from the published ones; a day under the privacy " +
  "minimum adds nothing, so a sum marked ≥ is a lower bound.";

/** "Streamed or downloaded whole": the archive's delivery by dataset. */
function streamingSection(data: ReportData, activity: ActivityReport): string {
  const delivery = new Map((activity.delivery ?? []).map((row) => [row.key, row]));
  const rows = data.datasets.slice(0, ACTIVITY_ROWS).flatMap((dataset) => {
    const row = delivery.get(dataset.name);
    if (row === undefined) return [];
    return [
      `<tr><td>${datasetLink(dataset, "datasets/")}</td><td>${count(row.fullDownloads)}</td><td>${
        count(row.partialRequests)
      }</td><td>${ratio(row.ratio)}</td><td>${
        ratio(dataset.activity?.deliveryTotals.delivery_ratio_p50)
      }</td><td>${howDelivered(row.fullDownloads, row.partialRequests)}</td></tr>`,
    ];
  }).join("");
  const totals = activity.deliveryTotals;
  return `<h2>Streamed or downloaded whole</h2>
<p class="muted">A full download asks for a whole object (status 200); a partial request reads a
part of one (206), as streaming tools (fsspec, h5py, neuroglancer) do. The delivery ratio is
bytes sent over the assets' size: 1 is one full copy, far below 1 a few reads of large files. In
the archive: ${ratio(totals.bytes_weighted_delivery_ratio)} (bytes-weighted), median asset
${ratio(totals.delivery_ratio_p50)}, over ${
    formatCount(totals.number_of_assets_with_size)
  } assets of known size.</p>
<div class="scroll"><table>
<caption>The ${
    Math.min(ACTIVITY_ROWS, data.datasets.length)
  } datasets with the most bytes sent; a dataset's ratio is over its assets of known size.</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">Full downloads</th><th scope="col">Partial requests</th><th scope="col">Delivery ratio</th><th scope="col">Median asset ratio</th><th scope="col">Mostly</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${sourceLink("archive/delivery.tsv", 0)}`;
}

/** "Uploads over time": bytes received by successful uploads. */
function uploadsSection(activity: ActivityReport, range: { first: string; last: string }): string {
  const uploads = (activity.byOperation ?? []).filter((r) => r.operation === "upload");
  const stored = uploads.filter((r) => r.statusClass === "2xx");
  const days = stored.map((r) => ({ key: r.day, bytes: r.bytes }));
  const chart = days.length === 0
    ? '<p class="empty">No successful uploads in these logs.</p>'
    : `<figure>${
      timeChart({ id: "uploads", title: "Bytes received by uploads", days, range })
    }</figure>`;
  return `<h2>Uploads over time</h2>
<p class="muted">Bytes received by successful uploads (PUT and POST of objects, multipart parts),
per period. Upload requests, successful: ${
    shownSum(sumPublished(stored.map((r) => r.requests)))
  }; failed: ${
    shownSum(sumPublished(uploads.filter((r) => r.statusClass !== "2xx").map((r) => r.requests)))
  }. ${LOWER_BOUNDS}</p>
${chart}
${sourceLink("archive/by_operation.tsv", 0)}`;
}

/** Failed requests (4xx, 5xx) of an activity's operations: each class's published sum. */
function failures(activity: ActivityReport | undefined): [PublishedSum, PublishedSum] {
  const of = (statusClass: string) => {
    const total = { sum: 0, hidden: 0 };
    for (const [key, { requests }] of activity?.operations ?? []) {
      if (!key.endsWith(`\t${statusClass}`)) continue;
      total.sum += requests.sum;
      total.hidden += requests.hidden;
    }
    return total;
  };
  return [of("4xx"), of("5xx")];
}

/** "Failed requests": the archive's over time, and the datasets with the most. */
function errorsSection(
  data: ReportData,
  activity: ActivityReport,
  range: { first: string; last: string },
): string {
  const perDay = new Map<string, number>();
  for (const row of activity.byOperation ?? []) {
    if (row.statusClass !== "4xx" && row.statusClass !== "5xx") continue;
    if (typeof row.requests !== "number") continue;
    perDay.set(row.day, (perDay.get(row.day) ?? 0) + row.requests);
  }
  const days = [...perDay].map(([key, bytes]) => ({ key, bytes }));
  const chart = days.length === 0
    ? '<p class="empty">No failed requests published (none, or every day under the privacy minimum).</p>'
    : `<figure>${
      timeChart({ id: "errors", title: "Failed requests (4xx, 5xx)", days, unit: "count", range })
    }</figure>`;
  const ranked = data.datasets.map((dataset) => ({ dataset, failed: failures(dataset.activity) }))
    .filter(({ failed }) => failed[0].sum + failed[1].sum > 0)
    .sort((a, b) =>
      b.failed[0].sum + b.failed[1].sum - (a.failed[0].sum + a.failed[1].sum) ||
      (a.dataset.name < b.dataset.name ? -1 : 1)
    ).slice(0, ACTIVITY_ROWS);
  const table = ranked.length === 0
    ? '<p class="empty">No dataset has failed requests above the privacy minimum.</p>'
    : `<div class="scroll"><table><caption>Datasets with the most failed requests (403: forbidden, 404: not found, …)</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">4xx</th><th scope="col">5xx</th></tr></thead>
<tbody>${
      ranked.map(({ dataset, failed }) =>
        `<tr><td>${datasetLink(dataset, "datasets/")}</td><td>${shownSum(failed[0])}</td><td>${
          shownSum(failed[1])
        }</td></tr>`
      ).join("")
    }</tbody></table></div>
<p class="source muted">Drawn from each dataset's <code>by_operation.tsv</code>.</p>`;
  return `<h2>Failed requests</h2>
<p class="muted">Requests answered with a client error (4xx: forbidden, not found, …) or a
server error (5xx), per period, from the archive's published counts. ${LOWER_BOUNDS}</p>
${chart}
${sourceLink("archive/by_operation.tsv", 0)}
${table}`;
}

/** Per client kind: the sums of its published rows, in the order of most bytes. */
function kindTotals(activity: ActivityReport): SummedRows {
  return [...activity.kinds].sort(([a, x], [b, y]) => y.bytes - x.bytes || (a < b ? -1 : 1));
}

/** A table of the kinds of clients (`kindTotals`): requests, bytes sent and share of the bytes. */
function kindsTable(kinds: SummedRows, caption: string): string {
  const all = kinds.reduce((sum, [, kind]) => sum + kind.bytes, 0);
  const rows = kinds.map(([name, kind]) =>
    `<tr><td>${escapeHtml(name)}</td><td>${shownSum(kind.requests)}</td><td>${
      formatBytes(kind.bytes)
    }</td><td>${all === 0 ? "—" : `${(100 * kind.bytes / all).toFixed(1)} %`}</td></tr>`
  ).join("");
  return `<div class="scroll"><table><caption>${caption}</caption>
<thead><tr><th scope="col">Kind of client</th><th scope="col">Requests</th><th scope="col">Bytes sent</th><th scope="col">Share of bytes</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

/** "Kinds of clients over time": their table, and a chart of each kind's bytes. */
function kindsSection(activity: ActivityReport, range: { first: string; last: string }): string {
  const kinds = kindTotals(activity);
  const charts = kinds.filter(([, kind]) => kind.bytes > 0).map(([name], i) => {
    const days = (activity.byClientKind ?? []).filter((r) => r.kind === name)
      .map((r) => ({ key: r.day, bytes: r.bytes }));
    return `<figure class="small-chart"><figcaption><h3>${escapeHtml(name)}</h3></figcaption>${
      timeChart({ id: `kind-${i}`, title: `${name}: bytes sent`, days, range })
    }</figure>`;
  }).join("");
  return `<h2>Kinds of clients over time</h2>
<p class="muted">Each request's kind of client, told from its User-Agent when it was read (the
User-Agent itself is never kept): browsers, the archive's own tools, libraries and scripts,
crawlers. ${LOWER_BOUNDS}</p>
${kindsTable(kinds, "Kinds of clients, most bytes first")}
${sourceLink("archive/by_client_kind.tsv", 0)}
${charts}`;
}

/**
 * The overview's activity sections (streamed or downloaded, uploads, failed requests, kinds of
 * clients), on the archive's time axis `range`; a note when the summaries have no activity
 * files.
 *
 * @param data The published data.
 * @param range The first and last day of the archive's charts (none: no requests yet).
 * @returns The sections, HTML.
 *
 * @example Usage
 * ```ts
 * import { archiveActivitySections } from "./activity_sections.ts";
 * import type { ActivityReport } from "./published_activity.ts";
 * import assert from "node:assert/strict";
 *
 * const totals = { number_of_requesters: "<50", number_of_unique_countries: 1,
 *   number_of_unique_regions: 1, total_bytes_sent: 5000, total_number_of_downloads: "<50",
 *   total_number_of_requests: "<50" };
 * const activity = {
 *   operations: [["upload\t2xx", { bytes: 9000, requests: { sum: 60, hidden: 0 } }]],
 *   kinds: [["library", { bytes: 5000, requests: { sum: 60, hidden: 0 } }]],
 *   byOperation: [{ day: "2024-01-01", operation: "upload", statusClass: "2xx", requests: 60, bytes: 9000 }],
 *   byClientKind: [{ day: "2024-01-01", kind: "library", requests: 60, bytes: 5000, downloads: "<50" }],
 *   deliveryTotals: { number_of_assets_with_size: 1, delivery_ratio_p50: 0.5, bytes_weighted_delivery_ratio: 0.5 },
 *   delivery: [{ key: "ds1", ratio: 0.5, bytes: 5000, fullDownloads: 0, partialRequests: 60 }],
 * } satisfies ActivityReport;
 * const html = archiveActivitySections({ totals, byDay: [], byRegion: [], activity, datasets: [
 *   { name: "ds1", folder: "ds1", totals, byDay: [], byRegion: [], assets: [] }] },
 *   { first: "2024-01-01", last: "2024-01-01" });
 * assert(html.includes("<td>streamed</td>") && html.includes("<td>library</td>"));
 * ```
 */
export function archiveActivitySections(
  data: ReportData,
  range: { first: string; last: string } | undefined,
): string {
  const activity = data.activity;
  if (activity === undefined) {
    return `<h2>How the data is used</h2>
<p class="empty">These summaries have no activity files (<code>by_operation.tsv</code>, …): run
the summary steps of this version (or daily) to see streaming, uploads, failed requests and kinds
of clients.</p>`;
  }
  if (range === undefined) return "";
  return [
    streamingSection(data, activity),
    uploadsSection(activity, range),
    errorsSection(data, activity, range),
    kindsSection(activity, range),
  ].join("\n");
}

/**
 * A dataset page's "how it is used": its delivery, operations and kinds of clients (tables, no
 * charts: ten thousand pages stay small).
 *
 * @param dataset The dataset's published data.
 * @returns The section, HTML (empty when its summaries have no activity files).
 *
 * @example Usage
 * ```ts
 * import { datasetActivitySection } from "./activity_sections.ts";
 * import assert from "node:assert/strict";
 *
 * const totals = { number_of_requesters: "<50", number_of_unique_countries: 1,
 *   number_of_unique_regions: 1, total_bytes_sent: 5000, total_number_of_downloads: "<50",
 *   total_number_of_requests: "<50" };
 * const html = datasetActivitySection({ name: "ds1", folder: "ds1", totals, byDay: [],
 *   byRegion: [], assets: [], activity: {
 *     operations: [["download\t4xx", { bytes: 0, requests: { sum: 80, hidden: 0 } }]],
 *     kinds: [],
 *     deliveryTotals: { number_of_assets_with_size: 0, delivery_ratio_p50: null, bytes_weighted_delivery_ratio: null },
 *   } });
 * assert(html.includes("<td>download</td><td>4xx</td><td>80</td>"));
 * ```
 */
export function datasetActivitySection(dataset: DatasetReport): string {
  const activity = dataset.activity;
  if (activity === undefined) return "";
  const folder = dataset.folder;
  const operations = [...activity.operations];
  const operationRows = operations.sort(([a], [b]) => a < b ? -1 : 1).map(([key, entry]) => {
    const [operation, statusClass] = key.split("\t");
    return `<tr><td>${escapeHtml(operation)}</td><td>${escapeHtml(statusClass)}</td><td>${
      shownSum(entry.requests)
    }</td><td>${formatBytes(entry.bytes)}</td></tr>`;
  }).join("");
  const totals = activity.deliveryTotals;
  return `<h2>How it is used</h2>
<p>Delivery ratio (bytes sent over the size of its assets): ${
    ratio(totals.bytes_weighted_delivery_ratio)
  } bytes-weighted, median asset ${ratio(totals.delivery_ratio_p50)}, over ${
    formatCount(totals.number_of_assets_with_size)
  } assets of known size. Near 1 or above: downloaded whole; far below 1: streamed (a few parts
of large files read).</p>
${sourceLink(`${folder}/delivery_totals.json`, 1)}
<div class="scroll"><table><caption>Requests by operation and status. ${
    escapeHtml(LOWER_BOUNDS)
  }</caption>
<thead><tr><th scope="col">Operation</th><th scope="col">Status</th><th scope="col">Requests</th><th scope="col">Bytes (uploads: received)</th></tr></thead>
<tbody>${operationRows}</tbody></table></div>
${sourceLink(`${folder}/by_operation.tsv`, 1)}
${kindsTable(kindTotals(activity), "Kinds of clients of its downloads, most bytes first")}
${sourceLink(`${folder}/by_client_kind.tsv`, 1)}`;
}
