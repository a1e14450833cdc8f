/**
 * The pages of one period each (`last_30_days.html`, `last_12_months.html`; the overview is all
 * time): the archive's bytes sent in the period against the period of the same length before it,
 * its chart, and the datasets by bytes sent in it. Bytes only: they are published exactly per
 * day and add up; the rounded daily counts and the all-time regions do not make period sums.
 *
 * @module
 */

import { formatBytes, formatCount } from "./byte_units.ts";
import { bytesBetween, dayRange, periodWindow } from "./period_growth.ts";
import type { ReportData } from "./report_data.ts";
import {
  datasetLink,
  growthText,
  heading,
  periodNavigation,
  type ReportContext,
  reportPage,
  sourceLink,
} from "./report_page.ts";
import { chartPeriod, timeChart } from "./svg_chart.ts";

/** Datasets listed on a period's page. */
const PERIOD_DATASETS = 100;

/** Which period a page is of. */
export interface PeriodPage {
  /** Its name as shown (`Last 30 days`). */
  name: string;
  /** Its file in the report's folder. */
  file: string;
  /** Its length in days, ending on the last day with requests. */
  days: number;
}

/**
 * The page of one period.
 *
 * @param data The published data.
 * @param context When the pages were made, the data's "as of".
 * @param period Which period.
 * @returns The HTML document, for the report's folder.
 *
 * @example Usage
 * ```ts
 * import { renderPeriodPage } from "./period_page.ts";
 * import assert from "node:assert/strict";
 *
 * const totals = { number_of_requesters: 1, number_of_unique_countries: 1,
 *   number_of_unique_regions: 1, total_bytes_sent: 7000, total_number_of_downloads: 1,
 *   total_number_of_requests: 2 };
 * const day = (key: string, bytes: number) => ({ key, bytes, requests: 1, downloads: 0 });
 * const byDay = [day("2024-01-01", 2000), day("2024-02-10", 5000)];
 * const html = renderPeriodPage(
 *   { totals, byDay, byRegion: [], datasets: [{ name: "ds1", folder: "ds1", totals, byDay, byRegion: [], assets: [] }] },
 *   { coordinates: new Map(), generatedAt: new Date("2024-03-01T00:00:00Z") },
 *   { name: "Last 30 days", file: "last_30_days.html", days: 30 },
 * );
 * assert(html.includes("<b>5.00 KB</b>") && html.includes('href="datasets/ds1.html"'));
 * ```
 */
export function renderPeriodPage(
  data: ReportData,
  context: ReportContext,
  period: PeriodPage,
): string {
  const last = dayRange(data.byDay)?.last;
  const nav = periodNavigation(period.file);
  if (last === undefined) {
    return reportPage(
      `Access report, ${period.name.toLowerCase()}`,
      `${nav}\n<h1>Access report: ${period.name.toLowerCase()}</h1>${
        heading("no requests yet", context)
      }\n<p class="empty">No requests yet.</p>`,
    );
  }
  const window = periodWindow(last, period.days);
  const range = { first: window.first, last };
  const rangeText = `${window.first} to ${last}`;
  const bytes = bytesBetween(data.byDay, window.first, last);
  const previous = bytesBetween(data.byDay, window.previousFirst, window.previousLast);
  const datasets = data.datasets.map((dataset) => ({
    dataset,
    bytes: bytesBetween(dataset.byDay, window.first, last),
    previous: bytesBetween(dataset.byDay, window.previousFirst, window.previousLast),
  })).filter((row) => row.bytes > 0 || row.previous > 0)
    .sort((a, b) => b.bytes - a.bytes || b.previous - a.previous);
  const active = datasets.filter((row) => row.bytes > 0).length;
  const rows = datasets.slice(0, PERIOD_DATASETS).map((row) =>
    `<tr><td>${datasetLink(row.dataset, "datasets/")}</td><td>${formatBytes(row.bytes)}</td><td>${
      formatBytes(row.previous)
    }</td><td>${growthText(row.bytes, row.previous)}</td></tr>`
  ).join("");
  const listed = datasets.length > PERIOD_DATASETS
    ? `The ${PERIOD_DATASETS} with the most bytes sent of ${formatCount(datasets.length)}`
    : `${formatCount(datasets.length)}`;
  const body = `${nav}
<h1>Access report: ${period.name.toLowerCase()}</h1>${heading(rangeText, context)}
<div class="cards"><div class="card">Bytes sent<b>${
    formatBytes(bytes)
  }</b></div><div class="card">The ${period.days} days before<b>${
    formatBytes(previous)
  }</b></div><div class="card">Change<b>${
    growthText(bytes, previous) || "–"
  }</b></div><div class="card">Datasets with requests<b>${formatCount(active)}</b></div></div>
<p class="muted">The ${period.days} days ending on the last day with requests (${rangeText}, UTC), against the ${period.days} days before them (${window.previousFirst} to ${window.previousLast}). Bytes only: they are published exactly for each day, while requests and downloads are rounded for privacy and regions are published for all time; see the <a href="index.html">overview</a> for those.</p>
<h2>Bytes sent over time</h2>
<p class="muted">One bar per ${chartPeriod(window.first, last)} (UTC), ${rangeText}.</p>
<figure>${
    timeChart({
      id: "period",
      title: `Bytes sent by the archive, ${period.name.toLowerCase()}`,
      days: data.byDay.filter((d) => d.key >= window.first && d.key <= last),
      range,
    })
  }</figure>
${sourceLink("archive/by_day.tsv", 0)}
<h2>Datasets</h2>
<div class="scroll"><table>
<caption>${listed} datasets with requests in either period, most bytes sent in the period first; each has a page of its own</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">Bytes sent</th><th scope="col">The ${period.days} days before</th><th scope="col">Change</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<p class="source muted">Drawn from each dataset's <code>by_day.tsv</code>.</p>`;
  return reportPage(`Access report, ${period.name.toLowerCase()}, ${rangeText}`, body);
}
