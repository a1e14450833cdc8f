/**
 * The published files of a dataset and of the archive, from raw numbers: the reference's
 * columns, orders and TSV rules, with privacy rounding applied once, here.
 *
 * @module
 */

import { ASSET_TYPE_ORDER, assetType } from "./asset_types.ts";
import { formatDay } from "./calendar_days.ts";
import { forEachDay } from "./day_counts.ts";
import { type PrivacyOptions, privacyRounding, roundForPrivacy } from "./privacy_rounding.ts";
import { countryOfLabel } from "../regions/region_labels.ts";
import { compareCodePoints, compareNatural } from "./sort_orders.ts";
import { addBytes, type Counts, type ScopeData } from "./summary_data.ts";
import { formatTsv } from "./tsv.ts";
import { type FileContent, TsvBytes } from "./tsv_bytes.ts";

const COUNT_COLUMNS = ["bytes_sent", "number_of_requests", "number_of_downloads"];

function countsTable(
  first: string,
  entries: Iterable<[string, Counts]>,
  privacy: PrivacyOptions,
): string {
  const round = privacyRounding(privacy);
  const rows = [...entries].map((
    [name, c],
  ) => [name, c.bytes, round(c.requests), round(c.downloads)]);
  return formatTsv([first, ...COUNT_COLUMNS], rows);
}

/** The writer of `by_day.tsv` files (its buffer reused from file to file). */
const byDayTsv = new TsvBytes();

/** Written as bytes: a date and numbers never need quotes, and a dataset has a line a day. */
function byDayTable(scope: ScopeData, privacy: PrivacyOptions): Uint8Array {
  const round = privacyRounding(privacy);
  byDayTsv.line(["date", ...COUNT_COLUMNS]);
  forEachDay(scope.byDay, (day, bytes, requests, downloads) => {
    byDayTsv.field(formatDay(day));
    byDayTsv.field(bytes);
    byDayTsv.field(round(requests));
    byDayTsv.last(round(downloads));
  });
  return byDayTsv.take();
}

function weekTable(columns: string[], weeks: Map<number, Map<string, number>>): string {
  const rows = [...weeks].sort(([a], [b]) => a - b).map(([week, cells]) => [
    formatDay(week),
    ...columns.map((column) => cells.get(column) ?? 0),
  ]);
  return formatTsv(["week_start", ...columns], rows);
}

/** Bytes per week and column, from bytes per asset and week. */
function pivot(
  byAssetWeek: Map<string, Map<number, number>>,
  column: (asset: string) => string,
): Map<number, Map<string, number>> {
  const weeks = new Map<number, Map<string, number>>();
  for (const [asset, perWeek] of byAssetWeek) {
    const name = column(asset);
    for (const [week, bytes] of perWeek) {
      let cells = weeks.get(week);
      if (cells === undefined) weeks.set(week, cells = new Map());
      cells.set(name, (cells.get(name) ?? 0) + bytes);
    }
  }
  return weeks;
}

/** Asset-type columns: DANDI's order first, then any others by code point. */
function typeColumns(weeks: Map<number, Map<string, number>>): string[] {
  const present = new Set([...weeks.values()].flatMap((cells) => [...cells.keys()]));
  const known = ASSET_TYPE_ORDER.filter((type) => present.has(type));
  const others = [...present].filter((type) => !ASSET_TYPE_ORDER.includes(type)).sort(
    compareCodePoints,
  );
  return [...known, ...others];
}

function byTypeTable(byAssetWeek: Map<string, Map<number, number>>): string {
  const weeks = pivot(byAssetWeek, assetType);
  return weekTable(typeColumns(weeks), weeks);
}

/** Options of the file builders. */
export interface SummaryFileOptions {
  /** Privacy rounding of request, download and requester counts. */
  privacy?: PrivacyOptions;
  /** Also write the per-week tables (DANDI). */
  weeks?: boolean;
}

/**
 * The files of one dataset: `by_day.tsv`, `by_asset.tsv`, `by_region.tsv`,
 * `requester_count.tsv` (the bare value, no newline) and, with `weeks`, `by_asset_per_week.tsv`
 * and `by_asset_type_per_week.tsv`.
 *
 * @example Usage
 * ```ts
 * import { datasetFiles } from "./summary_files.ts";
 * import { contentText } from "./tsv_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const counts = { bytes: 12, requests: 3, downloads: 1 };
 * const files = datasetFiles({
 *   byDay: new Map([[18262, counts]]), byAsset: [["a.json", counts]],
 *   byRegion: new Map([["missing", counts]]), byAssetWeek: new Map(), requesters: 1,
 * });
 * assert.deepStrictEqual(contentText(files.get("by_day.tsv")!),
 *   "date\tbytes_sent\tnumber_of_requests\tnumber_of_downloads\n2020-01-01\t12\t<50\t<50\n");
 * assert.deepStrictEqual(files.get("requester_count.tsv"), "<50");
 * ```
 */
export function datasetFiles(
  scope: ScopeData,
  options: SummaryFileOptions = {},
): Map<string, FileContent> {
  const privacy = options.privacy ?? {};
  const files = new Map<string, FileContent>();
  files.set("by_day.tsv", byDayTable(scope, privacy));
  files.set("by_asset.tsv", countsTable("asset_path", scope.byAsset, privacy));
  files.set("by_region.tsv", countsTable("region", scope.byRegion, privacy));
  if (scope.requesters > 0) {
    files.set("requester_count.tsv", String(roundForPrivacy(scope.requesters, privacy)));
  }
  if (options.weeks) {
    const assets = [...scope.byAssetWeek.keys()].sort(compareCodePoints);
    files.set("by_asset_per_week.tsv", weekTable(assets, pivot(scope.byAssetWeek, (a) => a)));
    files.set("by_asset_type_per_week.tsv", byTypeTable(scope.byAssetWeek));
  }
  return files;
}

/**
 * The archive's files: `by_day.tsv`, `by_region.tsv` (regions in natural order),
 * `requester_count.tsv` (distinct IPs of the whole archive) and, with `weeks`,
 * `by_asset_type_per_week.tsv`. Computed from raw counts and rounded once.
 *
 * @example Usage
 * ```ts
 * import { archiveFiles } from "./summary_files.ts";
 * import { contentText } from "./tsv_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const c = (requests: number) => ({ bytes: 1, requests, downloads: 0 });
 * const files = archiveFiles({
 *   byDay: new Map(), byAsset: [], byAssetWeek: new Map(), requesters: 70,
 *   byRegion: new Map([["US/Texas", c(30)], ["AWS/us-east-2", c(30)]]),
 * });
 * assert.deepStrictEqual(contentText(files.get("by_region.tsv")!).split("\n")[1], "AWS/us-east-2\t1\t<50\t<50");
 * assert.deepStrictEqual(files.get("requester_count.tsv"), "80");
 * ```
 */
export function archiveFiles(
  scope: ScopeData,
  options: SummaryFileOptions = {},
): Map<string, FileContent> {
  const privacy = options.privacy ?? {};
  const files = new Map<string, FileContent>();
  files.set("by_day.tsv", byDayTable(scope, privacy));
  const regions = [...scope.byRegion].sort(([a], [b]) => compareNatural(a, b));
  files.set("by_region.tsv", countsTable("region", regions, privacy));
  if (scope.requesters > 0) {
    files.set("requester_count.tsv", String(roundForPrivacy(scope.requesters, privacy)));
  }
  if (options.weeks) files.set("by_asset_type_per_week.tsv", byTypeTable(scope.byAssetWeek));
  return files;
}

/** The six published totals of a dataset or of the archive. */
export interface PublishedTotals {
  /** Distinct client IPs, rounded. */
  number_of_requesters: number | string;
  /** Distinct countries (cloud regions count as their country; placeholders as none). */
  number_of_unique_countries: number;
  /** Distinct region labels (every label, as the reference counts them). */
  number_of_unique_regions: number;
  /** Sum of bytes sent (exact). */
  total_bytes_sent: number | bigint;
  /** Requests with status 200, rounded. */
  total_number_of_downloads: number | string;
  /** Requests, rounded. */
  total_number_of_requests: number | string;
}

/**
 * The totals of a dataset or of the archive, from raw counts (summed over its regions: every
 * request has exactly one), rounded once.
 *
 * @example Usage
 * ```ts
 * import { publishedTotals } from "./summary_files.ts";
 * import assert from "node:assert/strict";
 *
 * const c = { bytes: 5, requests: 30, downloads: 2 };
 * const totals = publishedTotals({
 *   byDay: new Map(), byAsset: [], byAssetWeek: new Map(), requesters: 3,
 *   byRegion: new Map([["AWS/us-east-2", c], ["US/Ohio", c]]),
 * });
 * assert.deepStrictEqual(totals, {
 *   number_of_requesters: "<50", number_of_unique_countries: 1, number_of_unique_regions: 2,
 *   total_bytes_sent: 10, total_number_of_downloads: "<50", total_number_of_requests: 60,
 * });
 * ```
 */
export function publishedTotals(scope: ScopeData, privacy: PrivacyOptions = {}): PublishedTotals {
  let bytes: number | bigint = 0, requests = 0, downloads = 0;
  for (const c of scope.byRegion.values()) {
    bytes = addBytes(bytes, c.bytes);
    requests += c.requests;
    downloads += c.downloads;
  }
  const countries = new Set(
    [...scope.byRegion.keys()].map(countryOfLabel).filter((c) => c !== undefined),
  );
  return {
    number_of_requesters: roundForPrivacy(scope.requesters, privacy),
    number_of_unique_countries: countries.size,
    number_of_unique_regions: scope.byRegion.size,
    total_bytes_sent: bytes,
    total_number_of_downloads: roundForPrivacy(downloads, privacy),
    total_number_of_requests: roundForPrivacy(requests, privacy),
  };
}
